package dev.scalegram.social;

/** An account's credentials, kept apart from the account so they can never be rendered by accident. */
public record Login(long accountId, String email, String passwordHash) {}
