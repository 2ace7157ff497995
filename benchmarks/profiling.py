"""``--profile``: where the cold ``auth.verify`` spends its time (cProfile, by own time).

For the closing note issue 8 asks for when a check's cost keeps verification above its target.
Profiling slows every Python call, so these times are only comparable with each other.
"""

from __future__ import annotations

import cProfile
import io
import pstats

from .apps import warm_app
from .world import World


def profile_cold_verify(world: World, *, top: int = 15) -> str:
    """Profile ``auth.verify`` over the batch with a fresh app; the ``top`` rows by own time."""
    app, auth = warm_app(world.config(), world.warmup)
    profiler = cProfile.Profile()
    with app.app_context():
        profiler.enable()
        for token in world.tokens:
            auth.verify(token)
        profiler.disable()
    report = io.StringIO()
    stats = pstats.Stats(profiler, stream=report)
    stats.sort_stats(pstats.SortKey.TIME).print_stats(top)
    calls = len(world.tokens)
    lines = [f"profile of cold auth.verify over {calls} distinct tokens (cProfile, own time):"]
    lines += [
        line
        for line in report.getvalue().splitlines()
        if line.strip() and "List reduced" not in line
    ][1:]
    return "\n".join(lines)
