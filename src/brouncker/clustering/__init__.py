"""Clustering and families: PCFs grouped by their convergence dynamics, clusters labelled
by the constants inside them, and parametric families within a cluster."""
