"""The Telegram latency benchmark pairs each update with its own answer (arithmetic, no timing)."""

from __future__ import annotations

from bench.telegram import TimedTelegramAPI


def test_each_update_is_paired_with_its_own_answer_in_chat_order() -> None:
    api = TimedTelegramAPI()  # never started: only its bookkeeping is used
    api.handed_out = {1: (501, 10.0), 2: (502, 10.5), 3: (501, 20.0), 4: (503, 30.0)}
    api.replies_by_chat.update({501: [9.0, 10.25, 20.5], 502: [10.75]})  # 9.0: an older answer
    pushed = {1: 9.5, 2: 10.5, 3: 19.0, 4: 29.0}
    found = api.latencies(pushed)
    assert sorted(found.from_handout) == [0.25, 0.25, 0.5]
    assert sorted(found.from_push) == [0.25, 0.75, 1.5]
    assert found.unanswered == 1  # update 4 of chat 503 got no answer
