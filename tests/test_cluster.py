"""Clustering by dynamics, anchor labelling, families and persistence, on real PCFs.

The small search below runs through the real search engine (dynamics mode, serial
executor, SQLite): a(n) = a1 n + a0 with a1 in {1, 3}, a0 in [-5, 8], and
b(n) in {±n, -2n^2 ± n}. It holds the e-family PCF(n + k, ±n), the π-family
PCF(3n + k, -2n^2 ± n) (PCF(3n + 1, -2n^2 + n) = 2/π), and PCF(3n + k, -n), whose limits
involve e^(1/3), a constant not in the bank.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mpmath import mp, mpf
from scipy.cluster.hierarchy import DisjointSet
from typer.testing import CliRunner

from brouncker.cli import app
from brouncker.clustering.cluster import cluster_points
from brouncker.clustering.families import fit_form, lines, predicted_limit
from brouncker.clustering.labels import classes, member_expression
from brouncker.clustering.planes import MAX_CLUSTERS, PLANES, choose_plane, cluster_plane, grid_sample
from brouncker.clustering.points import Point, feature_matrix
from brouncker.clustering.values import RELATION_DIGITS, Values
from brouncker.constants import parse_constant
from brouncker.convergence.verify import verify
from brouncker.errors import BrounckerError
from brouncker.identification.relations import holds, mobius_relation
from brouncker.pcf.value import pcf_limit
from brouncker.pcf.walk import walk_sequential


@pytest.fixture(scope="module")
def search(small_dynamics_search):
    """(store, search id, points, clustering, url) of the small real search, clustered."""
    from brouncker.store import open_store
    from brouncker.store.clusters import clustering_points

    url, search_id = small_dynamics_search
    store = open_store(url)
    points = clustering_points(store, search_id)
    clustering = cluster_points(points)
    yield store, search_id, points, clustering, url
    store.close()


def by_label(clustering, label):
    return [c for c in clustering.clusters if c.label == label]


# --- one plane ---------------------------------------------------------------------------


def test_grid_sample_keeps_one_point_per_cell():
    x = np.array([[0.0001, 0.0001], [0.0009, 0.0002], [0.0011, 0.0], [0.0, 0.0015]])
    assert grid_sample(x).tolist() == [0, 2, 3]


def test_two_blobs_two_clusters_and_a_far_point_is_noise():
    rng = np.random.default_rng(1)
    a = rng.normal(0.0, 0.01, size=(60, 2))
    b = rng.normal(0.0, 0.01, size=(60, 2)) + [0.6, -0.4]
    far = np.array([[5.0, 5.0]])
    labels = cluster_plane(np.vstack([a, b, far]))
    assert len(set(labels[:60])) == 1 and len(set(labels[60:120])) == 1
    assert labels[0] != labels[60] and labels[0] >= 0 and labels[60] >= 0
    assert labels[-1] == -1


def test_knn_graph_hdbscan_agrees_with_exact_hdbscan():
    """The k-NN-graph path for large samples finds the same clusters as the exact one."""
    from sklearn.metrics import adjusted_rand_score

    from brouncker.clustering.planes import hdbscan_labels, knn_graph

    rng = np.random.default_rng(5)
    centers = rng.uniform(-1, 1, size=(25, 2))
    x = centers[rng.integers(0, 25, size=4000)] + rng.normal(0, 0.01, size=(4000, 2))
    x = x[grid_sample(x)]
    exact, sparse = hdbscan_labels(x), hdbscan_labels(x, exact_limit=0)
    assert adjusted_rand_score(exact, sparse) > 0.95
    assert abs(int(exact.max()) - int(sparse.max())) <= 3
    from scipy.sparse.csgraph import connected_components

    assert connected_components(knn_graph(x, 5), directed=False)[0] == 1  # joined into one graph


def _synthetic(groups):
    """Points with real coefficients and given features (delta_fr, c, d, gamma, eta)."""
    out = []
    for g, (center, count) in enumerate(groups):
        for i in range(count):
            jitter = (i % 13) * 0.0013
            feats = tuple(x + jitter for x in center)
            out.append(Point(f"g{g}-{i:03d}", (1, i), (-1, 0), feats))
    return out


def test_too_many_clusters_moves_to_the_next_plane():
    # three groups apart in d (the first plane); in c (the second) the first two coincide
    points = _synthetic([((0.1, 1.0, 0.0, -1.0, 0.0), 40), ((0.1, 1.0, 0.5, -1.0, 0.0), 40),
                         ((0.1, 2.0, 1.0, -1.0, 0.0), 40)])
    index, labels, summaries = choose_plane(points, PLANES, max_clusters=2)
    assert [s.plane for s in summaries] == ["delta_fr/d", "delta_fr/c"]
    assert summaries[0].clusters == 3 and summaries[1].clusters == 2
    assert index == 1 and summaries[1].kept
    assert len(set(labels[:80].tolist())) == 1 and labels[0] != labels[-1]
    index, labels, summaries = choose_plane(points, PLANES, max_clusters=MAX_CLUSTERS)
    assert index == 0 and len(summaries) == 1


@pytest.mark.parametrize("convergence", ["divergent", "rational", "unknown"])
def test_feature_matrix_marks_undefined_features(convergence):
    p = Point.from_metrics("k", "2n+1", "n^2", {"convergence": convergence, "delta_fr": 0.1})
    assert not p.clusterable and np.isnan(feature_matrix([p])).all()


# --- relations ---------------------------------------------------------------------------


@given(st.integers(-9, 9), st.integers(-9, 9), st.integers(-9, 9), st.integers(1, 9))
def test_mobius_relation_finds_a_moebius_map_of_pi(c0, c1, c2, c3):
    if c0 * c3 == c1 * c2:
        return
    with mp.workdps(80):
        x = +mp.pi
        y = (c0 + c1 * x) / (c2 + c3 * x)
        r = mobius_relation(x, y, 50)
    assert r is not None
    # r0 + r1 x + r2 y + r3 x y = 0 is the same map: y = -(r0 + r1 x)/(r2 + r3 x)
    n0, n1, d0, d1 = -r[0], -r[1], r[2], r[3]
    assert n0 * c2 == c0 * d0 and n1 * c3 == c1 * d1 and n0 * c3 + n1 * c2 == c0 * d1 + c1 * d0


def test_random_numbers_are_not_related():
    rng = random.Random(7)
    for _ in range(40):
        with mp.workdps(70):
            x = mpf(rng.getrandbits(200)) / 2**200
            y = mpf(rng.getrandbits(200)) / 2**200 + 1
        assert mobius_relation(x, y, 50) is None


def test_member_expression_evaluates_to_the_relation():
    for relation in [(4, 0, 0, -1), (3, 2, -5, 1), (1, -1, 2, 0), (0, 7, -3, 2)]:
        text = member_expression(relation, "pi")
        with mp.workdps(40):
            x = +mp.pi
            expected = -(relation[0] + relation[1] * x) / (relation[2] + relation[3] * x)
            assert abs(parse_constant(text).value(40) - expected) < mpf(10) ** -35


def test_relation_holds_only_to_the_digits_it_has():
    with mp.workdps(200):
        x, y = +mp.pi, 4 / mp.pi
        assert holds((4, 0, 0, -1), [1, x, y, x * y], 150)
        assert not holds((4, 0, 0, -1), [1, x, y + mpf(10) ** -100, x * (y + mpf(10) ** -100)], 150)


@given(st.integers(1, 12).flatmap(lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))))))
def test_classes_are_the_connected_components(case):
    n, edges = case
    sets = DisjointSet(range(n))
    for a, b in edges:
        sets.merge(a, b)
    neighbours: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    components, seen = [], set()
    for start in range(n):  # breadth-first search, in index order
        if start in seen:
            continue
        component, frontier = {start}, [start]
        while frontier:
            frontier = [m for k in frontier for m in neighbours[k] if m not in component]
            component.update(frontier)
        seen |= component
        components.append(sorted(component))
    assert classes(sets) == components


# --- the real search -------------------------------------------------------------------------


def test_search_clusters_are_labelled_by_their_anchors(search):
    _, _, points, clustering, _ = search
    assert clustering.clusterable == sum(1 for p in points if p.clusterable) > 40
    labels = {c.label for c in clustering.clusters}
    assert {"e", "pi"} <= labels
    for c in by_label(clustering, "pi") + by_label(clustering, "e"):
        assert c.source == "anchor" and not c.is_candidate and c.related > 0


def test_new_relations_are_true_formulas(search):
    """Relations found by clustering hold: checked by brouncker.convergence.verify to 100 digits."""
    _, _, points, clustering, _ = search
    by_key = {p.key: p for p in points}
    checked = 0
    for c in by_label(clustering, "pi") + by_label(clustering, "e"):
        for r in [r for r in c.relations if r.confirmed and r.new][:3]:
            p = by_key[r.key]
            assert verify(p.a, p.b, r.expression, 100).verdict == "verified", (p.text, r.expression)
            checked += 1
    assert checked >= 4


def test_cluster_with_no_bank_constant_is_a_candidate(search):
    """PCF(3n + k, -n) involves e^(1/3): its cluster relates members to each other only."""
    _, _, points, clustering, _ = search
    candidates = [c for c in clustering.clusters if c.is_candidate]
    assert candidates and all(c.label.startswith("unknown-") and not c.constants for c in candidates)
    rich = max(candidates, key=lambda c: c.related)
    assert rich.source == "members" and rich.related >= 3
    # members related to the representative: check one relation against independent values
    by_key = {p.key: p for p in points}
    rep = by_key[rich.reference]
    member = by_key[next(r.key for r in rich.relations if r.confirmed and "x[" not in r.expression)]
    relation = next(r.relation for r in rich.relations if r.key == member.key)
    x, y = pcf_limit(rep.a, rep.b, 120).value, pcf_limit(member.a, member.b, 120).value
    with mp.workdps(130):
        assert holds(relation, [1, x, y, x * y], 100)


def test_unanchored_cluster_is_identified_against_the_bank(search):
    """With every identification removed, the e and π clusters find their constant in the bank."""
    _, _, points, clustering, _ = search
    keys = set(by_label(clustering, "e")[0].members) | set(by_label(clustering, "pi")[0].members)
    stripped = [Point(p.key, p.a, p.b, p.features, p.digits_per_term) for p in points if p.key in keys]
    result = cluster_points(stripped, families=False)
    assert {c.label for c in result.clusters} == {"e", "pi"}
    assert all(c.source == "bank" and c.related > 0 for c in result.clusters)


def test_disagreeing_anchors_split_the_cluster_on_the_next_plane(search):
    """π- and e-anchored PCFs forced together on (δ, d) are separated on (δ, c)."""
    _, _, points, clustering, _ = search
    pi_keys, e_keys = set(by_label(clustering, "pi")[0].members), set(by_label(clustering, "e")[0].members)
    other = {k for c in clustering.clusters if c.is_candidate for k in c.members}
    forced = []
    for i, p in enumerate(sorted(points, key=lambda p: p.key)):
        jitter = (i % 9) * 0.0012
        if p.key in pi_keys | e_keys:  # together in d, apart in c
            c, d = (1.0 if p.key in pi_keys else 2.0), 0.0
        elif p.key in other:  # a cluster of its own on both planes
            c, d = 3.0, 0.5
        else:
            continue
        forced.append(Point(p.key, p.a, p.b, (0.1 + jitter, c + jitter, d + jitter, -1.0, 0.0), p.digits_per_term,
                            p.expression, p.constants))
    result = cluster_points(forced, families=False)
    split = [c for c in result.clusters if c.label in ("pi", "e")]
    assert {c.label for c in split} == {"pi", "e"}
    assert all(c.plane == "delta_fr/c" for c in split)
    for c in split:
        assert set(c.members) <= (pi_keys if c.label == "pi" else e_keys)


def test_clustering_is_deterministic(search):
    _, _, points, clustering, _ = search
    shuffled = list(points)
    random.Random(3).shuffle(shuffled)
    again = cluster_points(shuffled, families=False)
    assert [(c.label, c.members) for c in again.clusters] == [(c.label, c.members) for c in clustering.clusters]


# --- families ------------------------------------------------------------------------------


def test_lines_and_forms():
    found = lines({"p": (1, 0), "q": (1, 1), "r": (1, 2), "s": (2, 5)})
    assert {0: "p", 1: "q", 2: "r"} in found.values()
    # r(k) parallel to (0, 1, k + 1, -1) for every k
    form = fit_form([0, 1, 2, 3], [(0, 2, 2, -2), (0, 1, 2, -1), (0, -1, -3, 1), (0, 1, 4, -1)])
    assert form == ((0,), (1,), (1, 1), (-1,))


def test_families_are_found_and_verified_at_new_k(search):
    _, _, _, clustering, _ = search
    families = {(f.a_text, f.b_text): f for f in clustering.families}
    assert ("n + k", "-n") in families and ("3n + k", "-2n^2 + n") in families
    for f in clustering.families:
        assert f.status == "verified" and len(f.verified_k) >= 2
        assert not set(f.verified_k) & set(f.k_values)


def test_family_prediction_matches_the_sequential_recurrence(search):
    """Independent check: the family's y(k) at a new k against walk_sequential."""
    _, _, _, clustering, _ = search
    f = next(f for f in clustering.families if (f.a_text, f.b_text) == ("3n + k", "-2n^2 + n"))
    k = max(f.k_values) + 4
    a, b = f.pcf(k)
    assert a == (3, k) and b == (-2, 1, 0)
    conv = walk_sequential(a, b, 3000)
    with mp.workdps(80):
        predicted = predicted_limit(f.recurrence, f.anchor_k, parse_constant(f.anchor_expression).value(80), k)
        actual = mpf(int(conv.p)) / int(conv.q)
        assert abs(predicted - actual) < mpf(10) ** -60
    # and PCF(3n + 1, -2n^2 + n) = 2/π sits on the family, at k = 1
    with mp.workdps(60):
        y1 = predicted_limit(f.recurrence, f.anchor_k, parse_constant(f.anchor_expression).value(60), 1)
        assert abs(y1 - 2 / mp.pi) < mpf(10) ** -45


# --- persistence and CLI ---------------------------------------------------------------------


def test_clusters_persist_and_query_by_cluster(search):
    from brouncker.store.clusters import save_clustering

    store, search_id, points, clustering, url = search
    saved = save_clustering(store, search_id, clustering, points)
    assert saved.clusters == len(clustering.clusters) and saved.pcfs_assigned > 40
    rows = store.query(cluster="pi")
    assert rows and all(r.cluster is not None for r in rows)
    assert any((r.expression == "2/pi" and r.a == "3n + 1") for r in rows)
    detail = store.get_conjecture(rows[0].id)
    assert detail is not None and detail.cluster is not None and detail.cluster.label == "pi"
    stored = {c.label: c for c in store.clusters(search_id)}
    assert (stored["pi"].description or {})["families"]
    # saving again changes nothing (conjectures are not added twice)
    again = save_clustering(store, search_id, clustering, points)
    assert again.conjectures_added == 0


def test_cluster_command_json(search):
    _, search_id, _, clustering, url = search
    result = CliRunner().invoke(app, ["cluster", str(search_id), "--db", url, "--json", "--no-families"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert data["search_id"] == search_id
    assert {c["label"] for c in data["clusters"]} == {c.label for c in clustering.clusters}
    assert all("id" in c for c in data["clusters"])
    query = CliRunner().invoke(app, ["query", "--db", url, "--cluster", "e", "--json"])
    assert query.exit_code == 0 and json.loads(query.output)


def test_cluster_command_unknown_search(search):
    _, _, _, _, url = search
    result = CliRunner().invoke(app, ["cluster", "999", "--db", url])
    assert result.exit_code != 0


def test_check_sample_is_one_name_and_refused_below_zero(search):
    _, search_id, points, _, url = search
    with pytest.raises(BrounckerError):
        cluster_points(points, check_sample=-1)
    few = cluster_points(points, check_sample=2, families=False)
    assert few.check_sample == 2 and all(c.checked <= 2 for c in few.clusters)
    result = CliRunner().invoke(app, ["cluster", str(search_id), "--db", url, "--check-sample", "-1"])
    assert isinstance(result.exception, BrounckerError)
    result = CliRunner().invoke(app, ["cluster", str(search_id), "--db", url, "--json", "--no-families", "--check-sample", "3"])
    assert result.exit_code == 0, result.output
    import json

    assert json.loads(result.output)["check_sample"] == 3


def test_values_come_from_the_limit_function():
    """A member's value agrees with the sequential recurrence; members too slow are skipped."""
    values = Values(digits=60)
    fast = Point("fast", (2, 1), (1, 0, 0), (0.0,) * 5, digits_per_term=0.77)
    x, digits = values.pcf(fast)
    assert digits == 60
    conv = walk_sequential((2, 1), (1, 0, 0), 400)
    with mp.workdps(80):
        assert abs(x - mpf(int(conv.p)) / int(conv.q)) < mpf(10) ** -59
        assert abs(x - 4 / mp.pi) < mpf(10) ** -59
    slow = Point("slow", (1,), (1, 0, 0), (0.0,) * 5, digits_per_term=0.001, convergence="polynomial")
    assert values.pcf(slow) == (None, 0)
    # a member that reaches the digits a relation needs, not the full precision, within the budget
    shallow = Values(digits=150, max_depth=128)
    x, digits = shallow.pcf(Point("k", (2, 1), (1, 0, 0), (0.0,) * 5, digits_per_term=0.77))
    assert x is not None and RELATION_DIGITS <= digits < 150
