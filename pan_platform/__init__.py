"""PAN Platform: the online platform of the Police Academies Network.

The application factory is `pan_platform.app.create_app`. This package file stays empty of
imports so that a child process (text extraction, PDF marking) importing one small module
does not load the whole web application.
"""

from __future__ import annotations


def __getattr__(name: str):
    # `from pan_platform import create_app` keeps working.
    if name == "create_app":
        from pan_platform.app import create_app  # lazy on purpose: see the docstring above

        return create_app
    raise AttributeError(name)
