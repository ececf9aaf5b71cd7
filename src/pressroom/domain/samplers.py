"""Sampler names: pressroom's short name, the diffusers scheduler it means, and A1111's label.

A recipe records the scheduler's class and full config, so the name is only a convenient way
to ask for one; the config decides the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pressroom.errors import InputError


@dataclass(frozen=True)
class Sampler:
    name: str
    class_name: str
    overrides: dict = field(default_factory=dict)
    a1111: str = ""
    schedule: str = "Automatic"


SAMPLERS: dict[str, Sampler] = {
    s.name: s
    for s in (
        Sampler("euler", "EulerDiscreteScheduler", {}, "Euler"),
        Sampler("euler_a", "EulerAncestralDiscreteScheduler", {}, "Euler a"),
        Sampler(
            "dpmpp_2m",
            "DPMSolverMultistepScheduler",
            {"algorithm_type": "dpmsolver++", "solver_order": 2, "use_karras_sigmas": False},
            "DPM++ 2M",
        ),
        Sampler(
            "dpmpp_2m_karras",
            "DPMSolverMultistepScheduler",
            {"algorithm_type": "dpmsolver++", "solver_order": 2, "use_karras_sigmas": True},
            "DPM++ 2M",
            "Karras",
        ),
        Sampler("ddim", "DDIMScheduler", {}, "DDIM"),
        Sampler("heun", "HeunDiscreteScheduler", {}, "Heun"),
        Sampler("lms", "LMSDiscreteScheduler", {}, "LMS"),
        Sampler("pndm", "PNDMScheduler", {}, "PLMS"),
        Sampler("unipc", "UniPCMultistepScheduler", {}, "UniPC"),
    )
}


def get(name: str) -> Sampler:
    try:
        return SAMPLERS[name]
    except KeyError:
        raise InputError(f"unknown scheduler {name!r}; choose one of: {', '.join(SAMPLERS)}") from None


def a1111_label(name: str, class_name: str | None, config: dict | None) -> tuple[str, str]:
    """A1111's sampler and schedule type for a recipe's scheduler: by pressroom name, or for the
    model's own scheduler (``default``) by its class and config."""
    if name in SAMPLERS:
        return SAMPLERS[name].a1111, SAMPLERS[name].schedule
    if class_name and class_name.startswith("FlowMatchEuler"):
        return "Euler", "Simple"
    for sampler in SAMPLERS.values():
        if sampler.class_name == class_name and all((config or {}).get(k) == v for k, v in sampler.overrides.items()):
            return sampler.a1111, sampler.schedule
    return class_name or name, "Automatic"
