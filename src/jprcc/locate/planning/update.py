"""What each piece of information tells us: Bayesian reweighting of the particles.

The map is a set of weighted particles plus a *rest-of-world* mass: the probability that the
person is somewhere the movement model does not describe (a wrong last known position, a model
that does not fit). It starts small, is never dropped, and grows when the information stops
agreeing with the particles — the planners' cue that the model needs redefining.

Every update multiplies each particle's weight by the likelihood of the information given that
the person is where the particle is, multiplies the rest-of-world mass by the likelihood given
that they are elsewhere, and renormalises (Stone, Keller, Kratzke & Strumpfer, *Bayesian
Multiple Target Tracking*, 2nd ed., 2014, ch. 2; the SAROPS update, Kratzke et al. 2010).

Likelihoods (positions in metres of a local east/north frame, angles in radians):

fix            r·N₂(x − fix; Σ) + (1 − r)·b       rest of world: b
               Σ from the error ellipse (its axes are the ``confidence`` containment ellipse);
               b = 1 / area of the region the map covers: an unreliable fix (or a person
               elsewhere) is equally likely to have been reported anywhere in it
bearing        r·N(δ; 0, σ) + (1 − r)/(2π)        rest of world: 1/(2π)
               δ the angle between the line of bearing and the bearing to the particle
searched       1 − q(x), q the probability of detection where the particle is (0 outside)
               rest of world: 1 — an unsuccessful search moves mass p·q out of the searched
               area: inside p → p(1−q)/(1−pq), everywhere else p → p/(1−pq)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from jprcc.locate.planning import checks

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Posterior:
    weights: Array  # (particles,), summing to 1 − rest
    rest: float  # the rest-of-world mass
    evidence: float  # Σ prior·likelihood: how well the information agreed with the map


def reweight(weights: Array, rest: float, likelihood: Array, rest_likelihood: float) -> Posterior:
    """Bayes' rule over the particles and the rest of the world."""
    checks.non_negative("weights", weights)
    checks.non_negative("likelihood", likelihood)
    checks.probability("rest", rest)
    checks.non_negative("rest_likelihood", rest_likelihood)
    posterior = weights * likelihood
    rest_post = rest * rest_likelihood
    total = float(posterior.sum()) + rest_post
    if not math.isfinite(total) or total <= 0.0:
        raise ValueError("the information is impossible under the map and the rest of the world")
    return Posterior(posterior / total, rest_post / total, total)


def ellipse_covariance(
    semi_major_m: float, semi_minor_m: float, orientation_deg: float, confidence: float
) -> Array:
    """Covariance (east, north) of the normal whose ``confidence`` ellipse has these axes; the
    orientation is the major axis's bearing, clockwise from true north."""
    k2 = -2.0 * math.log(1.0 - confidence)  # the ellipse of probability P is at Mahalanobis² k²
    theta = math.radians(orientation_deg)
    major = np.array([math.sin(theta), math.cos(theta)])  # unit vector east, north
    minor = np.array([math.cos(theta), -math.sin(theta)])
    return np.asarray(
        (semi_major_m**2 * np.outer(major, major) + semi_minor_m**2 * np.outer(minor, minor)) / k2,
        dtype=np.float64,
    )


def fix_likelihood(x: Array, y: Array, fix: tuple[float, float], covariance: Array) -> Array:
    """Density (per m²) of the fix given the person at each (x, y)."""
    det = float(np.linalg.det(covariance))
    inv = np.linalg.inv(covariance)
    dx = x - fix[0]
    dy = y - fix[1]
    m2 = inv[0, 0] * dx * dx + 2 * inv[0, 1] * dx * dy + inv[1, 1] * dy * dy
    return np.asarray(np.exp(-0.5 * m2) / (2 * math.pi * math.sqrt(det)), dtype=np.float64)


def bearing_likelihood(
    x: Array, y: Array, observer: tuple[float, float], bearing_deg: float, sigma_deg: float
) -> Array:
    """Density (per radian) of the observed bearing given the person at each (x, y)."""
    to_particle = np.arctan2(x - observer[0], y - observer[1])  # clockwise from north
    delta = np.angle(np.exp(1j * (to_particle - math.radians(bearing_deg))))
    sigma = math.radians(sigma_deg)
    return np.asarray(
        np.exp(-0.5 * (delta / sigma) ** 2) / (math.sqrt(2 * math.pi) * sigma), dtype=np.float64
    )


def mixed(likelihood: Array, reliability: float, background: float) -> Array:
    """A report that is genuine with probability ``reliability``, noise spread as ``background``."""
    checks.probability("reliability", reliability)
    checks.positive("background", background)
    return reliability * likelihood + (1.0 - reliability) * background


def after_fix(
    weights: Array,
    rest: float,
    x: Array,
    y: Array,
    fix: tuple[float, float],
    covariance: Array,
    reliability: float,
    region_m2: float,
) -> Posterior:
    background = 1.0 / region_m2
    like = mixed(fix_likelihood(x, y, fix, covariance), reliability, background)
    return reweight(weights, rest, like, background)


def after_bearing(
    weights: Array,
    rest: float,
    x: Array,
    y: Array,
    observer: tuple[float, float],
    bearing_deg: float,
    sigma_deg: float,
    reliability: float,
) -> Posterior:
    background = 1.0 / (2 * math.pi)
    like = mixed(bearing_likelihood(x, y, observer, bearing_deg, sigma_deg), reliability, background)
    return reweight(weights, rest, like, background)


#: a fix or report at least this reliable that puts at least this much probability outside the
#: cloud (into the rest of the world) re-seeds particles where it says the person is
RESEED_RELIABILITY = 0.9
RESEED_MASS = 0.05


@dataclass(frozen=True)
class Reseeded:
    """Particles moved to where a fix says the person is, and the weights after."""

    particles: NDArray[np.int64]  # which particles now carry the fix's probability
    weights: Array
    rest: float
    mass: float  # the probability they carry (what the fix took from the cloud)


def reseed(prior_rest: float, post: Posterior, reliability: float, least: int = 100) -> Reseeded | None:
    """When a reliable fix falls where the cloud has no particles, Bayes' rule puts its probability
    in the rest of the world, where no map shows it. Give that probability, ``post.rest`` less
    what the rest of the world held before, to particles at the fix: the least likely particles
    are moved there and carry it (with what they held); the rest of the world keeps its prior.
    None when the fix is not reliable enough or the cloud already covers it."""
    checks.probability("reliability", reliability)
    mass = post.rest - prior_rest
    if reliability < RESEED_RELIABILITY or mass < RESEED_MASS:
        return None
    n = post.weights.size
    k = int(min(n // 2, max(least, round(n * mass))))
    chosen = np.argsort(post.weights, kind="stable")[:k]
    weights = post.weights.copy()
    weights[chosen] = (mass + float(post.weights[chosen].sum())) / k
    return Reseeded(chosen.astype(np.int64), weights, prior_rest, mass)


def after_search(weights: Array, rest: float, detection: Array) -> Posterior:
    """An unsuccessful search: ``detection`` is each particle's probability of being detected."""
    checks.probability("detection", detection)
    return reweight(weights, rest, 1.0 - detection, 1.0)
