"""asyncio networking: websocket clients per venue, REST pollers, replay servers. Qt-free zone."""
