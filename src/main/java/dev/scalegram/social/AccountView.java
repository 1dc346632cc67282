package dev.scalegram.social;

/** An account with its counters, ready to render. */
public record AccountView(long id, Account account, long followers, long following, long statuses) {}
