"""Browsable documentation at /api/v1/docs: Swagger UI served from this server, never a CDN.

Swagger UI's files come from the `fastapi-offline` package (which ships them for exactly this);
the page and the script that starts it are ours, so that no inline script is needed and the
web application's Content-Security-Policy (`default-src 'self'`) holds on this page too."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from dtoa.api.problems import Problem

router = APIRouter(include_in_schema=False)
ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
          "favicon.png": "image/png"}
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>dtoa partner API, version 1</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/start.js"></script>
</body>
</html>
"""
START = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""


@router.get("/docs")
def page() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/docs/start.js")
def start() -> Response:
    return Response(START, media_type="text/javascript")


@router.get("/docs/{name}")
def asset(name: str) -> Response:
    if name not in ASSETS:
        raise Problem(404, "No such file.")
    content = (resources.files("fastapi_offline") / "static" / name).read_bytes()
    return Response(content, media_type=ASSETS[name],
                    headers={"Cache-Control": "public, max-age=86400"})
