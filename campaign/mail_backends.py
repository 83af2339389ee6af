"""Development mailer: every message becomes one ``.eml`` file.

Django's file backend appends all messages of a connection to one log file;
one standard ``.eml`` per message opens directly in any mail client, which is
what a newcomer running ``make run`` wants to look at.
"""

import os
import uuid
from pathlib import Path

from django.core.mail import InvalidMailer
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class EmlFileBackend(BaseEmailBackend):
    # Set by Django's BaseEmailBackend (MAILERS' alias); django-stubs does not declare it.
    alias: str | None

    def __init__(self, *, directory=None, **kwargs):
        super().__init__(**kwargs)
        if not directory:
            raise InvalidMailer("OPTIONS must define 'directory'.", alias=self.alias)
        self.directory = Path(directory)

    def send_messages(self, email_messages):
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            # Write then rename, so a reader never sees half a message.
            partial = path.with_suffix(".part")
            partial.write_bytes(message.message().as_bytes())
            os.replace(partial, path)
            sent += 1
        return sent
