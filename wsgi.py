"""WSGI entry point: `flask --app wsgi ...` and `gunicorn wsgi:app`."""

from pan_platform.app import create_app

app = create_app()
