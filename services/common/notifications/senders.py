"""Sending one notification on one channel, once, within the delivery's timeout: a signed
webhook (aiohttp) or an email (the standard library's smtplib, in a thread). A try that
does not end in the receiver's acceptance raises `NotDelivered`, whose message (the
outbox's `last_error`) names the failure, never the notification's contents."""

from __future__ import annotations

import asyncio
import hashlib
import os
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate

import aiohttp

from services.common.config import is_loopback
from services.common.notifications import signing
from services.common.notifications.messages import Notification, email_text, webhook_body
from services.common.notifications.routing import Channel, Email, Webhook

#: The email header a receiver deduplicates on (the Message-ID is derived from it too).
EMAIL_KEY_HEADER = "Kahu-Idempotency-Key"
MAX_ERROR = 300


class NotDelivered(Exception):
    """A try that failed; the message says how, without the notification's contents."""


def _error(error: BaseException) -> str:
    if isinstance(error, aiohttp.ClientConnectorError):
        cause = error.os_error
        reason = os.strerror(cause.errno) if cause.errno else str(cause)
        return f"cannot connect to {error.host}:{error.port}: {reason}"[:MAX_ERROR]
    text = str(error).strip()
    return f"{type(error).__name__}: {text}"[:MAX_ERROR] if text else type(error).__name__


async def send(channel: Channel, notification: Notification, *, timeout: float) -> None:
    """Deliver `notification` on `channel` once; raise `NotDelivered` otherwise."""
    try:
        if isinstance(channel, Webhook):
            await _post(channel, notification, timeout)
        else:
            await asyncio.wait_for(asyncio.to_thread(_mail, channel, notification, timeout), timeout * 2)
    except NotDelivered:
        raise
    except (OSError, TimeoutError, aiohttp.ClientError, smtplib.SMTPException, ssl.SSLError) as error:
        raise NotDelivered(_error(error)) from None


async def _post(channel: Webhook, notification: Notification, timeout: float) -> None:
    body = webhook_body(notification)
    headers = {
        "Content-Type": "application/json",
        **signing.headers(channel.secret, int(time.time()), body, notification.key),
    }
    context: ssl.SSLContext | bool = ssl.create_default_context(cafile=channel.ca_file) if channel.ca_file else True
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
        session.post(channel.url, data=body, headers=headers, ssl=context, allow_redirects=False) as response,
    ):
        if not 200 <= response.status < 300:
            raise NotDelivered(f"HTTP {response.status} from {channel.name}")


def message_id(key: str) -> str:
    """A Message-ID that is the same on every try of the notification `key`."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@kahu.invalid>"


def email_message(channel: Email, notification: Notification) -> EmailMessage:
    subject, text = email_text(notification)
    message = EmailMessage()
    message["From"] = channel.sender
    message["To"] = ", ".join(channel.to)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(notification.key)
    message[EMAIL_KEY_HEADER] = notification.key
    message.set_content(text)
    return message


def _mail(channel: Email, notification: Notification, timeout: float) -> None:
    """Send over SMTP with STARTTLS when the server offers it; a server elsewhere than
    loopback that does not offer it gets nothing (no plaintext across a network)."""
    with smtplib.SMTP(channel.host, channel.port, timeout=timeout) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context(cafile=channel.ca_file))
            smtp.ehlo()
        elif not is_loopback(channel.host):
            raise NotDelivered(f"{channel.name}: the SMTP server does not offer STARTTLS")
        if channel.username is not None and channel.password is not None:
            smtp.login(channel.username, channel.password)
        smtp.send_message(email_message(channel, notification))
