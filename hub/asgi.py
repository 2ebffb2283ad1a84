"""HTTP and WebSocket entry point. Apps add their WebSocket routes to `websocket_urlpatterns`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.base")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from hub.concurrency import InFlightLimit  # noqa: E402
from messaging.routing import websocket_urlpatterns as messaging_websocket_urlpatterns  # noqa: E402

websocket_urlpatterns: list = [*messaging_websocket_urlpatterns]

application = ProtocolTypeRouter(
    {
        # At most MAX_REQUESTS_IN_FLIGHT pages at once per process; the rest wait their turn.
        "http": InFlightLimit(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
