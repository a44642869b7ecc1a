"""Media pipeline stages, one module each: narration (speech), and later pictures, subtitles, video.

Each stage is a function from a typed input to a typed output; a stage that fails returns a
warning on the result instead of losing the whole piece of work.
"""
