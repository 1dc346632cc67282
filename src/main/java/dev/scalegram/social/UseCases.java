package dev.scalegram.social;

import dev.scalegram.media.UploadMedia;

/** Every use case, wired once by the server and handed to the API and the web UI. */
public record UseCases(
        RegisterAccount register,
        Authenticate authenticate,
        FollowAccount follow,
        PostStatus post,
        DeleteStatus delete,
        FavouriteStatus favourite,
        BookmarkStatus bookmark,
        UploadMedia upload,
        ReadTimelines timelines,
        ReadNotifications notifications,
        Hydrator hydrator,
        dev.scalegram.feed.ActivityStore activity,
        dev.scalegram.graph.Graph graph) {}
