"""The shared contract every stage speaks: the input forms and their keys (forms.py) and the issue rows (issues.py)."""
