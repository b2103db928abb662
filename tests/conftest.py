"""Test-session settings shared by every package.

Under CI (``CI`` set, as ``.ci/run`` does) hypothesis runs derandomized: every property test draws the
same examples on every run, so a green tree stays green on a fresh machine and a failure reproduces
exactly. Local runs keep exploring new random examples (and keep the failures they find in
``.hypothesis/``), which is where new counterexamples come from.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
