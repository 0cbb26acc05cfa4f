"""Database sessions, read in one round trip together with the data version.

Every signed-in request reads its session, and a repeat view answered from the page cache also needs the
data version (`console.data_version`). One plain SQL statement reads both: the ORM would spend longer building
the session query than the database spends answering it, and a second statement would cost a second round
trip. The session is read as Django's database backend reads it (the unexpired row of that key); writing,
cycling and deleting sessions are Django's own.
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from console.data_version import VERSION_ROW

# Quoted as the data version's own query is (`console.data_version.VERSION_QUERY`): SQLite and PostgreSQL.
SESSION_QUERY = (
    'SELECT "session_data", (SELECT "token" FROM "console_dataversion" WHERE "id" = %s) '
    'FROM "django_session" WHERE "session_key" = %s AND "expire_date" > %s'
)


class SessionStore(db.SessionStore):
    # The data version committed when the session was read: None until then, and without a session.
    data_version: str | None = None

    def load(self):
        connection = connections[router.db_for_read(self.model)]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(SESSION_QUERY, [VERSION_ROW, self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        session_data, data_version = row
        self.data_version = data_version or ""
        return self.decode(session_data)
