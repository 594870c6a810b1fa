"""The sandbox gateway's own pages and server endpoints (app/services/sandbox_gateway.py):

- GET  /sandbox-pay/checkout?{signed order}   its confirmation page
- POST /sandbox-pay/checkout/{order_id}/pay   pay, then back to the merchant's return address
- POST /sandbox-pay/checkout/{order_id}/cancel back without paying
- GET  /sandbox-pay/api/orders/{merchant}/{reference}  the query (signed request and answer)
- POST /sandbox-pay/api/refunds               a refund (signed request and answer)

Its pages know nothing of the portal's sessions (another site's, in real life).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from app.adapters.clock import utcnow
from app.adapters.payments import SANDBOX_PATH, SIGNATURE_HEADER
from app.routes.deps import deliver_soon
from app.routes.web import page, see_other
from app.services import sandbox_gateway as gateway_service
from app.services.context import UnitOfWork
from app.services.sandbox_gateway import Answer, CheckoutRefused, Gateway

API_BODY_MAX = 4096


def _gateway(request: Request[Any, Any, Any]) -> Gateway:
    gateway: Gateway = request.app.state.sandbox_gateway
    return gateway


def _answer(answer: Answer) -> Response[bytes]:
    return Response(
        answer.body,
        status_code=answer.status,
        media_type="application/json",
        headers={SIGNATURE_HEADER: answer.signature},
    )


class SandboxGatewayController(Controller):
    path = SANDBOX_PATH

    @get("/checkout")
    async def checkout(
        self, request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
    ) -> Response[str]:
        query = {key: str(value) for key, value in request.query_params.items()}
        found = await gateway_service.open_checkout(uow, _gateway(request), query, utcnow())
        if isinstance(found, CheckoutRefused):
            refused = {"refused": found.value}
            return page(request, "pages/sandbox/checkout.html", refused, status=400)
        context = {"order": found, "return_to": gateway_service.return_address(found)}
        return page(request, "pages/sandbox/checkout.html", context)

    @post("/checkout/{order_id:uuid}/pay")
    async def pay(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        order_id: FromPath[UUID],
    ) -> Response[Any]:
        order = await gateway_service.pay(uow, _gateway(request), order_id, utcnow())
        if order is None:
            raise NotFoundException
        deliver_soon(request.app, uow)
        return see_other(gateway_service.return_address(order))

    @post("/checkout/{order_id:uuid}/cancel")
    async def cancel(
        self,
        uow: NamedDependency[UnitOfWork],
        order_id: FromPath[UUID],
    ) -> Response[Any]:
        order = await gateway_service.order_by_id(uow, order_id)
        if order is None:
            raise NotFoundException
        return see_other(gateway_service.return_address(order))

    @get("/api/orders/{merchant:str}/{reference:str}")
    async def query(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        merchant: FromPath[str],
        reference: FromPath[str],
    ) -> Response[bytes]:
        answer = await gateway_service.query_answer(
            uow,
            _gateway(request),
            merchant,
            reference,
            request.url.path,
            request.headers.get(SIGNATURE_HEADER, ""),
            utcnow(),
        )
        return _answer(answer)

    @post("/api/refunds", request_max_body_size=API_BODY_MAX)
    async def refund(
        self, request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
    ) -> Response[bytes]:
        answer = await gateway_service.refund_answer(
            uow,
            _gateway(request),
            request.url.path,
            await request.body(),
            request.headers.get(SIGNATURE_HEADER, ""),
            utcnow(),
        )
        return _answer(answer)
