"""Alembic environment: runs on the connection the service hands over (``assistant.desk.db.upgrade``, at
every start), or on ``sqlalchemy.url`` when a developer runs alembic by hand with ``alembic.ini`` here."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from assistant.desk.feedback import tables as feedback_tables  # noqa: F401  (declared on Base)
from assistant.desk.learning import tables as learning_tables  # noqa: F401  (declared on Base)
from assistant.desk.tables import Base
from assistant.desk.tickets import attachments  # noqa: F401  (its table is declared on Base)

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from assistant.desk.db import make_engine

        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise SystemExit("set sqlalchemy.url in alembic.ini")
        engine = make_engine(url)
        try:
            with engine.connect() as own:
                _migrate(own)
                own.commit()
        finally:
            engine.dispose()
        return
    _migrate(connection)


def _migrate(connection: Connection) -> None:
    # one transaction for the whole upgrade, SQLite too (alembic commits after each migration on SQLite by
    # default): the service's BEGIN IMMEDIATE (db.upgrade) then serialises workers starting on one fresh file,
    # which otherwise both read revision 0001 between two commits and both ran 0002
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


run()
