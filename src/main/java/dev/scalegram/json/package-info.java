/** JSON mapping shared by storage, tasks and the API (Jackson 3). */
package dev.scalegram.json;
