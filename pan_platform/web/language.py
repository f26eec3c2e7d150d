"""Language URL prefixes: /ru/catalogue is /catalogue in Russian.

The prefix is moved from PATH_INFO to SCRIPT_NAME, so every url_for() in that request
keeps the prefix by itself and the views never see it.
"""

from __future__ import annotations


class LanguagePrefixMiddleware:
    def __init__(self, app, languages: list[str]) -> None:
        self.app = app
        self.languages = set(languages)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        parts = path.split("/", 2)  # "", "ru", "rest"
        if len(parts) >= 2 and parts[1] in self.languages:
            environ["pan.url_lang"] = parts[1]
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/" + parts[1]
            environ["PATH_INFO"] = "/" + (parts[2] if len(parts) == 3 else "")
        return self.app(environ, start_response)
