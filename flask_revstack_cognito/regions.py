"""The AWS regions where Amazon Cognito serves user pools, so a region typo fails at start-up.

Without this list ``us-est-1_Abc123`` would pass ``init_app`` and every request would then
answer 503, the keys being unreachable at ``cognito-idp.us-est-1.amazonaws.com``. A region
newer than the list is allowed with ``COGNITO_NEW_REGIONS``.
"""

from __future__ import annotations

from collections.abc import Collection

from .config import closest

#: The regions of Amazon Cognito user pools (``cognito-idp``) in the AWS partitions this
#: package builds issuers for: from AWS's "Amazon Cognito endpoints and quotas" page and
#: botocore's endpoint data (1.43), with the China regions the ``amazonaws.com.cn`` issuers
#: serve and GovCloud.
COGNITO_REGIONS: frozenset[str] = frozenset(
    {
        # Commercial
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        # China
        "cn-north-1",
        "cn-northwest-1",
        # AWS GovCloud (US)
        "us-gov-east-1",
        "us-gov-west-1",
    }
)


def nearest_regions(region: str, new_regions: Collection[str] = ()) -> tuple[str, ...]:
    """The known regions spelled most like ``region``: several when they tie, none when none
    is close.

    >>> nearest_regions("eu-wset-1")
    ('eu-west-1',)
    >>> nearest_regions("us-est-1")
    ('us-east-1', 'us-west-1')
    """
    return closest(region.lower(), COGNITO_REGIONS.union(new_regions))
