"""The objective record: deep matrix factorisation plus optional balancing and weight-decay terms.

Layer ``j`` (1-based, as in the papers) is ``W_j`` of shape ``(d_j, d_{j-1})`` for widths
``(d_0, ..., d_N)``. The end-to-end product is ``W = W_N ... W_1``. The objective is

    F(W_1..W_N) = fit_coef * ||W_N ... W_1 X - Y||_F^2                    (X = I unless data is used)
                + (a/4) * sum_{j=1}^{N-1} ||W_j W_j^H - W_{j+1}^H W_{j+1}||_F^2   (balancing regulariser)
                + decay_coef * sum_{l=1}^{N} lambda_l ||W_l||_F^2               (weight decay)

with ``fit_coef = 1/2`` by default. Sources: Ye & Du 2021 (N = 2, W_1 = V^T, W_2 = U); Nguegnang, Rauhut,
Terstiege (deep linear network with data X); Luo, Xu, Gao, Fazel, Du 2025 (balancing regulariser, real or
complex); Chen, Jiang, Wang 2025 (weight decay; their convention has no 1/2 on either term, i.e.
``fit_coef = decay_coef = 1``).

Parameters are stored flat: a trajectory is one vector of length :attr:`Objective.n_params`, layer ``j``
occupying ``offsets[j-1]:offsets[j]`` in row-major order; a batch is ``(B, n_params)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field

import numpy as np

from theorycheck._validation import check_choice, check_int, check_real
from theorycheck.errors import InvalidArgument, InvalidType

FIELDS = ("real", "complex")


@dataclass(frozen=True)
class Balancing:
    """The balancing regulariser ``(a/4) sum_j ||W_j W_j^H - W_{j+1}^H W_{j+1}||_F^2`` (Luo et al. 2025, eq. L_reg)."""

    a: float


@dataclass(frozen=True)
class WeightDecay:
    """Per-layer weight decay ``coef * sum_l lambda_l ||W_l||_F^2`` (Chen, Jiang, Wang 2025 use ``coef = 1``)."""

    lambdas: tuple[float, ...]
    coef: float = 0.5


@dataclass(frozen=True)
class Objective:
    """A deep-MF objective: structure and constants; targets and data are per trajectory, passed to runs.

    Build with :func:`deep_mf` or :func:`asymmetric_mf` and compose with ``+``::

        deep_mf((3, 3, 3, 3, 3), field="complex") + Balancing(a=2.0)
        deep_mf((3, 3, 3, 3)) + WeightDecay((0.5, 0.5, 0.5), coef=1.0)

    Raises:
        InvalidArgument: depth below 1, a width below 1, a negative regularisation weight, a non-positive
            coefficient, an unknown field.
    """

    widths: tuple[int, ...]
    field: str = "real"
    fit_coef: float = 0.5
    balancing: float = 0.0
    decay: tuple[float, ...] = ()
    decay_coef: float = 0.5
    data_columns: int | None = None
    offsets: tuple[int, ...] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.widths, (str, bytes)) or not hasattr(self.widths, "__iter__"):
            raise InvalidType(
                "widths", self.widths, "must be a sequence of ints (d_0, ..., d_N)", "pass e.g. (3, 3, 3)"
            )
        widths = tuple(check_int("widths", w, min_value=1) for w in self.widths)
        if len(widths) < 2:
            raise InvalidArgument(
                "widths",
                self.widths,
                "is empty: no layer (depth must be >= 1)" if not widths else "gives depth 0; depth must be >= 1",
                "pass at least two widths (d_0, d_1) for one layer",
            )
        object.__setattr__(self, "widths", widths)
        check_choice("field", self.field, FIELDS)
        object.__setattr__(self, "fit_coef", check_real("fit_coef", self.fit_coef, nonnegative=True))
        object.__setattr__(self, "balancing", check_real("balancing", self.balancing, nonnegative=True))
        object.__setattr__(self, "decay_coef", check_real("decay_coef", self.decay_coef, positive=True))
        decay = tuple(check_real("decay", lam, nonnegative=True) for lam in self.decay)
        if decay and len(decay) != self.depth:
            raise InvalidArgument(
                "decay", self.decay, f"has {len(decay)} weights for {self.depth} layers", "pass one lambda per layer"
            )
        object.__setattr__(self, "decay", decay)
        if self.data_columns is not None:
            object.__setattr__(self, "data_columns", check_int("data_columns", self.data_columns, min_value=1))
        offsets = [0]
        for j in range(1, len(widths)):
            offsets.append(offsets[-1] + widths[j] * widths[j - 1])
        object.__setattr__(self, "offsets", tuple(offsets))

    # ---- composition -------------------------------------------------------------------------------
    def __add__(self, term: object) -> Objective:
        if isinstance(term, Balancing):
            return replace(self, balancing=check_real("a", term.a, nonnegative=True))
        if isinstance(term, WeightDecay):
            return replace(self, decay=tuple(term.lambdas), decay_coef=term.coef)
        return NotImplemented

    # ---- shapes -------------------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """N, the number of layers."""
        return len(self.widths) - 1

    @property
    def is_complex(self) -> bool:
        """True when weights, targets and data are complex."""
        return self.field == "complex"

    @property
    def dtype(self) -> np.dtype[np.float64] | np.dtype[np.complex128]:
        """float64 or complex128."""
        return np.dtype(np.complex128) if self.is_complex else np.dtype(np.float64)

    @property
    def layer_shapes(self) -> tuple[tuple[int, int], ...]:
        """``(d_j, d_{j-1})`` for j = 1..N."""
        return tuple((self.widths[j], self.widths[j - 1]) for j in range(1, len(self.widths)))

    @property
    def n_params(self) -> int:
        """Entries of all layers together (complex entries count once)."""
        return self.offsets[-1]

    @property
    def uses_data(self) -> bool:
        """True when the fit term is ``||W X - Y||`` with a data matrix X."""
        return self.data_columns is not None

    @property
    def target_shape(self) -> tuple[int, int]:
        """Shape of Y: ``(d_N, m)`` with data, ``(d_N, d_0)`` without."""
        return (self.widths[-1], self.data_columns if self.data_columns is not None else self.widths[0])

    @property
    def data_shape(self) -> tuple[int, int] | None:
        """Shape of X, ``(d_0, m)``, or None."""
        return None if self.data_columns is None else (self.widths[0], self.data_columns)

    def split(self, params: np.ndarray) -> tuple[np.ndarray, ...]:
        """Views of the layers of flat ``params`` shaped ``(..., n_params)``: ``(..., d_j, d_{j-1})`` each."""
        lead = params.shape[:-1]
        return tuple(
            params[..., self.offsets[j] : self.offsets[j + 1]].reshape(*lead, *shape)
            for j, shape in enumerate(self.layer_shapes)
        )

    def join(self, layers: tuple[np.ndarray, ...] | list[np.ndarray]) -> np.ndarray:
        """Inverse of :meth:`split`: concatenate ``(..., d_j, d_{j-1})`` layers into ``(..., n_params)``."""
        lead = np.shape(layers[0])[:-2]
        return np.concatenate([np.reshape(w, (*lead, -1)) for w in layers], axis=-1)

    def describe(self) -> str:
        """One line: depth, widths, field and terms."""
        parts = [f"deep MF depth {self.depth} widths {self.widths} ({self.field})"]
        if self.uses_data:
            parts.append(f"data m={self.data_columns}")
        if self.fit_coef != 0.5:
            parts.append(f"fit_coef={self.fit_coef:g}")
        if self.balancing:
            parts.append(f"balancing a={self.balancing:g}")
        if self.decay:
            parts.append(f"weight decay {self.decay} x {self.decay_coef:g}")
        return ", ".join(parts)


def deep_mf(
    widths: tuple[int, ...] | list[int],
    *,
    field: str = "real",
    data_columns: int | None = None,
    fit_coef: float = 0.5,
) -> Objective:
    """Deep matrix factorisation / deep linear network ``fit_coef * ||W_N ... W_1 X - Y||_F^2``.

    Args:
        widths: ``(d_0, ..., d_N)``; depth ``N = len(widths) - 1 >= 1``.
        field: ``"real"`` or ``"complex"`` (complex gradients use ``d/dRe + i d/dIm``, Luo et al. 2025).
        data_columns: m, the number of samples, when the loss uses a data matrix X of shape ``(d_0, m)``
            (Nguegnang, Rauhut, Terstiege); None for X = I.
        fit_coef: 1/2 by default; Chen, Jiang, Wang 2025 use 1; 0 leaves the regularisers alone
            (Luo et al. 2025, Theorem 8: GD on L_reg only).
    """
    return Objective(widths, field=field, data_columns=data_columns, fit_coef=fit_coef)  # type: ignore[arg-type]


def asymmetric_mf(m: int, n: int, rank: int) -> Objective:
    """Ye & Du 2021: ``1/2 ||U V^T - Sigma||_F^2`` with ``U`` m x rank and ``V`` n x rank.

    Encoded as depth 2 with ``W_1 = V^T`` and ``W_2 = U`` (see :func:`factors_to_params`).
    """
    return deep_mf((n, rank, m))


def factors_to_params(objective: Objective, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Flat parameters ``(..., n_params)`` for ``U (..., m, r)`` and ``V (..., n, r)``: ``W_1 = V^T``, ``W_2 = U``."""
    if objective.depth != 2:
        raise InvalidArgument("objective", objective.describe(), "is not a two-factor model", "use asymmetric_mf()")
    return objective.join([np.swapaxes(np.asarray(v), -1, -2), np.asarray(u)])


def params_to_factors(objective: Objective, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`factors_to_params`: ``(U, V)``."""
    w1, w2 = objective.split(params)
    return w2, np.swapaxes(w1, -1, -2)
