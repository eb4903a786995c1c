package http

// devMailPath is where the development outbox is mounted (mail.OutboxPath).
const devMailPath = "/_dev/mail"
