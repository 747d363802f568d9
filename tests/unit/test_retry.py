from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rotation.exceptions import (
    AuthenticationError,
    InvalidInputError,
    NetworkTimeoutError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
)
from rotation.retry import RetryPolicy


def test_backoff_is_exponential_and_capped() -> None:
    policy = RetryPolicy(base_seconds=1, cap_seconds=10, rand=lambda: 1.0)
    assert [policy.backoff(n) for n in range(6)] == [1, 2, 4, 8, 10, 10]


@given(st.integers(min_value=0, max_value=20), st.floats(min_value=0, max_value=1))
def test_full_jitter_stays_within_zero_and_ceiling(n: int, r: float) -> None:
    policy = RetryPolicy(rand=lambda: r)
    assert 0 <= policy.backoff(n) <= min(10.0, 2.0**n)


def test_three_attempts_then_give_up() -> None:
    policy = RetryPolicy(rand=lambda: 0.5)
    err = ServiceUnavailableError("x")
    assert policy.delay_after(err, 1) == 0.5
    assert policy.delay_after(err, 2) == 1.0
    assert policy.delay_after(err, 3) is None


@pytest.mark.parametrize(
    "error",
    [AuthenticationError("x"), InvalidInputError("x"), NotFoundError("x")],
)
def test_permanent_errors_are_never_retried(error: Exception) -> None:
    assert RetryPolicy().delay_after(error, 1) is None  # type: ignore[arg-type]


def test_retry_after_replaces_jitter() -> None:
    policy = RetryPolicy(rand=lambda: 0.0)
    assert policy.delay_after(RateLimitError("x", retry_after_seconds=7), 1) == 7


def test_retry_after_beyond_limit_gives_up() -> None:
    policy = RetryPolicy(max_retry_after_seconds=30)
    assert policy.delay_after(RateLimitError("x", retry_after_seconds=31), 1) is None


def test_timeouts_are_transient() -> None:
    assert RetryPolicy(rand=lambda: 1).delay_after(NetworkTimeoutError("x"), 1) == 1


def test_bad_policy_is_rejected() -> None:
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)
