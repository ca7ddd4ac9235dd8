"""The server-rendered web app: Jinja2 pages over the same service functions as the API."""
