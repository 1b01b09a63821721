"""The one page renderer: the shipped Jinja2 templates under templates/web/, autoescaped."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from dtoa.render import TEMPLATES
from dtoa.runtime import Runtime
from dtoa.web.session import csrf_token, flash, messages, set_cookies

__all__ = ["flash", "redirect", "render", "runtime_of"]

templates = Jinja2Templates(directory=str(TEMPLATES / "web"))
templates.env.autoescape = True  # every value is escaped, whatever the file name


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def render(request: Request, name: str, *, status: int = 200, **context: object) -> Response:
    runtime = runtime_of(request)
    context.update(
        user=getattr(request.state, "user", None),
        csrf_token=csrf_token(request),
        messages=messages(request),
        settings=runtime.settings,
        tz=runtime.settings.tz,
    )
    response = templates.TemplateResponse(request, name, context, status_code=status)
    set_cookies(request, response)
    return response


def redirect(path: str, *segments: str, **query: str) -> RedirectResponse:
    """303 to `path` on this site, then each of `segments` as one path segment and `query` as
    the query string, all URL-encoded: a value holding `&`, `=`, `/` or `?` stays one value."""
    url = path + "".join("/" + quote(segment, safe="") for segment in segments)
    if query:
        url += "?" + urlencode(query, quote_via=quote, safe="/")
    return RedirectResponse(url, status_code=303)
