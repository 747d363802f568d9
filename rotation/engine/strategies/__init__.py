"""Kinds of secret the engine rotates: ``base`` (the protocol), ``api_key``, ``webhook``,
and ``registry`` (the ``synap:kind`` tag -> strategy map). Import the module you need."""

__all__: list[str] = []
