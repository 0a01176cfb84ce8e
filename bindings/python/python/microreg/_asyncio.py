"""Glue for the asyncio face: runs on the event loop's thread, called through
loop.call_soon_threadsafe by the task that finished on microreg's runtime."""


def resolve_future(future, ok, value):
    # The awaiting side may have been cancelled meanwhile: then nobody wants it.
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
