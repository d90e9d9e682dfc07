"""What the benches that grow a database share: the sizes they measure at (`--small`,
`--large`, `--huge` for a million too) and a test database of their own, dropped at the end.
Import it after `django.setup()`."""

import argparse
import contextlib
from collections.abc import Iterator

from django.db import connection
from django.test.utils import setup_test_environment


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--huge", action="store_true", help="also measure at 1,000,000 tickets")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)


def measured_sizes(args: argparse.Namespace) -> list[int]:
    return [args.small, args.large] + ([1_000_000] if args.huge else [])


@contextlib.contextmanager
def test_database() -> Iterator[None]:
    """A test database made from the settings' one (`test_<name>`), dropped on the way out."""
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
