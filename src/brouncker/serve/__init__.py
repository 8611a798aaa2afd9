"""``brouncker serve``: a local web app to browse, filter, typeset and verify the stored conjectures."""
