"""PostgreSQL backend that starts the embedded server on first connection."""

from django.db.backends.postgresql import base

from campaign import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        # Only now, when a connection is really wanted, is the server started:
        # `manage.py --help` or `makemessages` never start PostgreSQL.
        server = embedded_db.ensure_server()
        info = server.get_postmaster_info()
        self.settings_dict["HOST"] = str(info.socket_dir)
        self.settings_dict["PORT"] = str(info.port)
        return super().get_connection_params()
