"""The provider's server tells the portal about a payment: POST /payments/notify/{provider}.

The body is verified as it arrived (its raw bytes), before anything in it is read. A genuine
notice, new or repeated, is answered 2xx so the provider stops sending it; a forged one, or one
that is not the payment's merchant or amount, is refused (400) and logged. No session, no CSRF
token: the provider's signature is the authentication.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from app.adapters.clock import utcnow
from app.adapters.payments import PaymentProvider
from app.routes.deps import refund_soon
from app.services import payment_confirmations as confirmations
from app.services.context import UnitOfWork

NOTICE_MAX_BYTES = 16 * 1024


@post("/payments/notify/{provider_name:str}", request_max_body_size=NOTICE_MAX_BYTES)
async def payment_notice(
    request: Request[Any, Any, Any],
    uow: NamedDependency[UnitOfWork],
    provider_name: FromPath[str],
) -> Response[dict[str, str]]:
    provider: PaymentProvider = request.app.state.payment_provider
    if provider_name != provider.name:
        raise NotFoundException
    body = await request.body()
    outcome = await confirmations.on_notification(uow, provider, request.headers, body, utcnow())
    if outcome is confirmations.Outcome.REFUNDING:
        refund_soon(request.app, uow)  # once it is booked: the money goes back at once
    return Response({"status": outcome.value}, status_code=200 if outcome.acknowledged else 400)
