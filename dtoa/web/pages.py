"""The one page renderer: the shipped Jinja2 templates under templates/web/, autoescaped."""

from __future__ import annotations

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from dtoa.render import TEMPLATES
from dtoa.runtime import Runtime

templates = Jinja2Templates(directory=str(TEMPLATES / "web"))
templates.env.autoescape = True  # every value is escaped, whatever the file name


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def flash(request: Request, message: str) -> None:
    """A one-line confirmation shown on the next page."""
    request.session.setdefault("flash", []).append(message)


def render(request: Request, name: str, *, status: int = 200, **context: object) -> Response:
    from dtoa.web.auth import csrf_token

    runtime = runtime_of(request)
    context.update(
        user=getattr(request.state, "user", None),
        csrf_token=csrf_token(request),
        messages=request.session.pop("flash", []),
        settings=runtime.settings,
        tz=runtime.settings.tz,
    )
    return templates.TemplateResponse(request, name, context, status_code=status)
