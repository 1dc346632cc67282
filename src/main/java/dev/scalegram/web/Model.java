package dev.scalegram.web;

import java.util.List;

/** What the templates render: plain records built by {@link WebUi} from use-case views, nothing lazy or live. */
public final class Model {

    private Model() {}

    /**
     * What every page shares: the title, who is signed in (null when nobody), the form token, which top-bar link is
     * current, and the page's own path (forms send it back so a non-JS post returns to where it came from).
     */
    public record Chrome(String title, String me, String csrf, String section, String path) {
        public boolean signedIn() {
            return me != null;
        }
    }

    /** An image as the page shows it: the URL, its real size (so the layout does not jump), and its alt text. */
    public record Photo(String src, int width, int height, String alt) {}

    /** A piece of a caption: plain text, or a link (hashtag, mention) when {@code href} is set. */
    public record Segment(String text, String href) {}

    /**
     * A post (or a comment) ready to render.
     *
     * @param photos the post page's size ({@code url}); {@code thumb} is the grid's ({@code preview_url}), null
     *     for a post without photos
     */
    public record Card(String id, String author, List<Photo> photos, Photo thumb, List<Segment> caption, long likes,
                       long comments, boolean liked, boolean saved, String ago, String iso) {

        public String href() {
            return "/p/" + id;
        }

        public String authorHref() {
            return "/@" + author;
        }

        public Card withComments(long count) {
            return new Card(id, author, photos, thumb, caption, likes, count, liked, saved, ago, iso);
        }
    }

    /** A list of posts shown as cards (home) or as a square grid; {@code older} is the next page, null at the end. */
    public record Listing(String heading, String intro, boolean grid, List<Card> items, String older, String empty) {}

    public record Profile(String username, String displayName, String note, long posts, long followers,
                          long following, boolean mine, boolean followed, Listing grid) {}

    public record PostPage(Card post, List<Card> comments, String error, String draft) {}

    /** A notification: who, what they did, and the post it was about (null for a follow). */
    public record Note(String actor, String text, String quote, String postHref, Photo thumb, String ago) {}

    /** A form page: the message of a refused submission (null at first) and what was typed, to fill it back in. */
    public record Form(String error, java.util.Map<String, String> values) {
        public static Form empty() {
            return new Form(null, java.util.Map.of());
        }

        public String value(String name) {
            String v = values.get(name);
            return v == null ? "" : v;
        }
    }
}
