"""How counterexamples are hunted. ``search.hypothesis`` is the only module that pairs claims with Hypothesis."""
