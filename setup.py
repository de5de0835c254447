"""Packaging beyond what pyproject.toml can say: the two data packages.

`forms/` and `resources/` stay at the top of the checkout, where a council's forms team finds
them, and ship inside the wheel as `assessor_forms` and `assessor_resources` (see
`assessor_app/core/paths.py`).
"""

from setuptools import find_namespace_packages, find_packages, setup


def _data(package: str, folder: str) -> list[str]:
    # Every subfolder is a (namespace) package too, or setuptools warns it would be ignored.
    inner = find_namespace_packages(where=folder, exclude=["__pycache__"])
    return [package, *(f"{package}.{name}" for name in inner)]


setup(
    packages=[
        *find_packages(include=["assessor_app*", "sync*"]),
        *_data("assessor_forms", "forms"),
        *_data("assessor_resources", "resources"),
    ],
    package_dir={"assessor_forms": "forms", "assessor_resources": "resources"},
    package_data={
        "assessor_app.core.storage.migrations": ["*.sql"],
        "sync.gateway": ["migrations/*.sql", "templates/console/*"],
        "assessor_forms": ["**/*.yaml", "**/*.md"],
        "assessor_resources": ["**/*"],
    },
)
