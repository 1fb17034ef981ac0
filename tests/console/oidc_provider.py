"""A small, real OpenID provider for the tests, built from Authlib's own server components
(the authorization code grant, OpenID Connect's `OpenIDCode`, PKCE's `CodeChallenge`) and
served over HTTP: discovery, a JWKS, an authorization endpoint with a login form (user
and password), and a token endpoint (client_secret_basic) that issues ES256 ID tokens.

Its people carry `groups`, `sites` and `regions` claims, as an agency's directory would.
"""

from __future__ import annotations

import html
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, OAuth2Request, grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import ECKey
from jwt.algorithms import ECAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from services.console.app import serve_http
from tests.conftest import free_port


@dataclass(frozen=True)
class Person:
    username: str
    password: str
    claims: dict[str, Any]


@dataclass(frozen=True)
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uri: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in ("openid", "profile"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic" if endpoint == "token" else True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    user: Person
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return None

    def is_expired(self) -> bool:
        return time.time() > self.auth_time + 300


class _Payload(OAuth2Payload):
    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    @property
    def data(self) -> dict[str, str]:
        return self._values

    @property
    def datalist(self) -> dict[str, list[str]]:
        return {k: [v] for k, v in self._values.items()}


class _Request(OAuth2Request):
    def __init__(self, request: Request, form: dict[str, str]) -> None:
        super().__init__(request.method, str(request.url), headers=request.headers)
        self._args = dict(request.query_params)
        self._form = form
        self.payload = _Payload({**self._args, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


@dataclass
class Provider:
    """The provider's state: its key, clients, people and the codes it has issued."""

    issuer: str
    clients: dict[str, Client] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    issued_id_tokens: int = 0

    def __post_init__(self) -> None:
        private = ec.generate_private_key(ec.SECP256R1())
        self.private_jwk = {**json.loads(ECAlgorithm.to_jwk(private)), "kid": "provider-1", "alg": "ES256"}
        self.public_jwk = {**json.loads(ECAlgorithm.to_jwk(private.public_key())), "kid": "provider-1", "alg": "ES256"}
        self.server = self._server()

    def _server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):
            def query_client(self, client_id: str) -> Client | None:
                return provider.clients.get(client_id)

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                return None

            def create_oauth2_request(self, request: Any) -> OAuth2Request:
                assert isinstance(request, OAuth2Request)  # made by the endpoints below
                return request

            def handle_response(self, status: int, body: Any, headers: Any) -> Response:
                if isinstance(body, dict):
                    return JSONResponse(body, status_code=status, headers=dict(headers))
                return Response(body, status_code=status, headers=dict(headers))

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                return None

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                payload = request.payload
                assert payload is not None
                provider.codes[code] = Code(
                    code,
                    request.client.get_client_id(),
                    payload.redirect_uri,
                    request.client.get_allowed_scope(payload.scope),
                    payload.data.get("nonce"),
                    payload.data.get("code_challenge"),
                    payload.data.get("code_challenge_method"),
                    request.user,
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id and not found.is_expired() else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> Person:
                return authorization_code.user

        class OpenID(OpenIDCode):
            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client: Client) -> ECKey:
                return ECKey.import_key(provider.private_jwk)

            def get_client_algorithm(self, client: Client) -> str:
                return "ES256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "ES256", "kid": "provider-1"}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                provider.issued_id_tokens += 1
                return {"iss": provider.issuer, "aud": [client.get_client_id()], "exp": int(time.time()) + 300}

            def generate_user_info(self, user: Person, scope: str) -> UserInfo:
                return UserInfo(sub=f"oidc-{user.username}", **user.claims)

        server = Server(scopes_supported=["openid", "profile"])
        server.register_token_generator("default", BearerTokenGenerator(lambda *a, **k: generate_token(42)))
        server.register_grant(CodeGrant, [CodeChallenge(required=True), OpenID(require_nonce=True)])
        return server

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": ["openid", "profile"],
        }

    def app(self) -> Starlette:
        async def discovery(request: Request) -> Response:
            return JSONResponse(self.metadata())

        async def jwks(request: Request) -> Response:
            return JSONResponse({"keys": [self.public_jwk]})

        async def authorize(request: Request) -> Response:
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
            oauth_request = _Request(request, form)
            try:
                grant = self.server.get_consent_grant(oauth_request)
            except OAuth2Error as error:
                return JSONResponse(dict(error.get_body()), status_code=400)
            if request.method == "GET":
                return HTMLResponse(
                    f'<form id="login" method="post" action="/authorize?{html.escape(request.url.query)}">'
                    '<label>User <input name="username"></label><label>Password <input name="password" type="password">'
                    "</label><button>Sign in</button></form>"
                )
            person = self.people.get(form.get("username", ""))
            password = form.get("password", "").encode()
            if person is None or not secrets.compare_digest(person.password.encode(), password):
                return HTMLResponse("<p>Wrong user or password</p>", status_code=401)
            response: Response = self.server.create_authorization_response(
                oauth_request, grant_user=person, grant=grant
            )
            return response

        async def token(request: Request) -> Response:
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
            response: Response = self.server.create_token_response(_Request(request, form))
            return response

        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", discovery),
                Route("/jwks", jwks),
                Route("/authorize", authorize, methods=["GET", "POST"]),
                Route("/token", token, methods=["POST"]),
            ]
        )


@asynccontextmanager
async def serving() -> AsyncIterator[Provider]:
    """A provider listening on a free loopback port until the block ends."""
    port = free_port()
    provider = Provider(f"http://127.0.0.1:{port}")
    async with AsyncExitStack() as stack:
        await serve_http(provider.app(), "127.0.0.1", port, stack)
        yield provider
