"""Measurements beyond the test suite: verification speed (``make bench``), load and outage
(``make load``)."""
