"""Flask-Revstack-Cognito: verify Amazon Cognito User Pool tokens in Flask."""

from __future__ import annotations

from .authorization import check_requirements as check_requirements
from .contract import AuthContract as AuthContract
from .contract import TrustedIssuer as TrustedIssuer
from .contract import build_auth_contract as build_auth_contract
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
from .errors import TokenUseMismatchError as TokenUseMismatchError
from .errors import UnknownKeyError as UnknownKeyError
from .errors import UnsupportedAlgorithmError as UnsupportedAlgorithmError
from .jwks import JWKSCache as JWKSCache
from .jwks import JWKSOptions as JWKSOptions
from .user import CognitoUser as CognitoUser
from .verifier import TokenVerifier as TokenVerifier
