"""The learning loop: unanswered questions grouped into gaps (grouping.py), a suggested KB change with its
evidence for each (suggest.py), accepted into the KB's YAML in place (kbedit.py), checked, built and published with a
preview (publish.py); the numbers of the maintainers' dashboard (insights.py)."""
