"""``pip install Flask-Revstack-Cognito[async]`` brings what Flask needs to run async views."""

from __future__ import annotations

from importlib.metadata import metadata

from packaging.requirements import Requirement


def test_the_distribution_declares_an_async_extra_with_asgiref() -> None:
    declared = metadata("Flask-Revstack-Cognito")
    assert "async" in declared.get_all("Provides-Extra", [])
    async_requirements = [
        requirement
        for requirement in map(Requirement, declared.get_all("Requires-Dist", []))
        if requirement.marker is not None
        and requirement.marker.evaluate({"extra": "async"})
        and not requirement.marker.evaluate({"extra": ""})
    ]
    assert [(r.name, str(r.specifier)) for r in async_requirements] == [("asgiref", ">=3.2")]
