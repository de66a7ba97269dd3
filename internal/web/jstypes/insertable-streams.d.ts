// Chromium's insertable streams for raw media (MediaStreamTrackProcessor
// and MediaStreamTrackGenerator), which the media relay uses and
// TypeScript's DOM library does not yet describe.

declare class MediaStreamTrackProcessor<T = VideoFrame | AudioData> {
  constructor(init: { track: MediaStreamTrack });
  readonly readable: ReadableStream<T>;
}

declare class MediaStreamTrackGenerator<T = VideoFrame | AudioData> extends MediaStreamTrack {
  constructor(init: { kind: "audio" | "video" });
  readonly writable: WritableStream<T>;
}
