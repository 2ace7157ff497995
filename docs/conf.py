"""Sphinx configuration for the Flask-Revstack-Cognito documentation."""

from __future__ import annotations

from flask_revstack_cognito import __version__

project = "Flask-Revstack-Cognito"
author = "The Flask-Revstack-Cognito team"
copyright = "2026, The Flask-Revstack-Cognito team"
release = __version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
html_theme = "alabaster"
html_theme_options = {"description": "Amazon Cognito tokens, verified in Flask."}
exclude_patterns = ["_build"]
