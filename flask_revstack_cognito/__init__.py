"""Flask-Revstack-Cognito: verify Amazon Cognito User Pool tokens in Flask."""

from __future__ import annotations

from .authorization import check_requirements as check_requirements
from .contract import AuthContract as AuthContract
from .contract import TrustedIssuer as TrustedIssuer
from .contract import build_auth_contract as build_auth_contract
from .decorators import current_cognito_user as current_cognito_user
from .decorators import login_guard as login_guard
from .decorators import login_required as login_required
from .decorators import verify_request as verify_request
from .errors import AudienceMismatchError as AudienceMismatchError
from .errors import CognitoAuthError as CognitoAuthError
from .errors import CognitoConfigError as CognitoConfigError
from .errors import InsufficientScopeError as InsufficientScopeError
from .errors import InvalidSignatureError as InvalidSignatureError
from .errors import IssuerMismatchError as IssuerMismatchError
from .errors import JWKSUnavailableError as JWKSUnavailableError
from .errors import MalformedTokenError as MalformedTokenError
from .errors import MissingClaimError as MissingClaimError
from .errors import MissingTokenError as MissingTokenError
from .errors import TokenExpiredError as TokenExpiredError
from .errors import TokenNotYetValidError as TokenNotYetValidError
from .errors import TokenRevokedError as TokenRevokedError
from .errors import TokenUseMismatchError as TokenUseMismatchError
from .errors import UnknownKeyError as UnknownKeyError
from .errors import UnsupportedAlgorithmError as UnsupportedAlgorithmError
from .extension import CognitoAuth as CognitoAuth
from .jwks import JWKSCache as JWKSCache
from .jwks import JWKSOptions as JWKSOptions
from .session import AuthSession as AuthSession
from .signals import jwks_fetch_failed as jwks_fetch_failed
from .signals import jwks_refreshed as jwks_refreshed
from .signals import token_revoked as token_revoked
from .signals import token_verified as token_verified
from .signals import tokens_refreshed as tokens_refreshed
from .signals import user_signed_in as user_signed_in
from .signals import user_signed_out as user_signed_out
from .signals import verification_failed as verification_failed
from .user import CognitoUser as CognitoUser
from .verifier import TokenVerifier as TokenVerifier

__version__ = "0.1.0"

__all__ = [
    "AudienceMismatchError",
    "AuthContract",
    "AuthSession",
    "CognitoAuth",
    "CognitoAuthError",
    "CognitoConfigError",
    "CognitoUser",
    "InsufficientScopeError",
    "InvalidSignatureError",
    "IssuerMismatchError",
    "JWKSCache",
    "JWKSOptions",
    "JWKSUnavailableError",
    "MalformedTokenError",
    "MissingClaimError",
    "MissingTokenError",
    "TokenExpiredError",
    "TokenNotYetValidError",
    "TokenRevokedError",
    "TokenUseMismatchError",
    "TokenVerifier",
    "TrustedIssuer",
    "UnknownKeyError",
    "UnsupportedAlgorithmError",
    "build_auth_contract",
    "check_requirements",
    "current_cognito_user",
    "jwks_fetch_failed",
    "jwks_refreshed",
    "login_guard",
    "login_required",
    "token_revoked",
    "token_verified",
    "tokens_refreshed",
    "user_signed_in",
    "user_signed_out",
    "verification_failed",
    "verify_request",
]
