"""Updates of one chat run strictly in order; different chats run at the same time."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update, User

from bot.telegram.processing import PerChatUpdateProcessor


def update_in(chat_id: int, update_id: int) -> Update:
    user = User(chat_id, "U", is_bot=False)
    chat = Chat(chat_id, "private")
    return Update(update_id, message=Message(update_id, None, chat, from_user=user))  # type: ignore[arg-type]


async def test_one_chat_in_order_other_chats_concurrently() -> None:
    processor = PerChatUpdateProcessor(16)
    log: list[str] = []
    second_chat_started = asyncio.Event()

    async def slow(name: str) -> None:
        log.append(f"start {name}")
        if name == "a1":
            await asyncio.wait_for(second_chat_started.wait(), 2)  # b runs while a1 waits
        log.append(f"end {name}")

    async def fast(name: str) -> None:
        log.append(f"start {name}")
        second_chat_started.set()
        log.append(f"end {name}")

    await asyncio.gather(
        processor.process_update(update_in(1, 1), slow("a1")),
        processor.process_update(update_in(1, 2), slow("a2")),
        processor.process_update(update_in(2, 3), fast("b")),
    )
    assert log.index("end a1") < log.index("start a2"), "chat 1 strictly in order"
    assert log.index("start b") < log.index("end a1"), "chat 2 did not wait for chat 1"
    assert processor.chats_in_flight == 0, "no lock is kept once a chat is idle"
