package io.jqvm.config.model;

import io.jqvm.config.Origin;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A {@code [blob_type] load [addr,]path} entry.
 *
 * @param type    empty for a plain {@code load} (the loader detects ELF or a Linux image)
 * @param address the guest-physical address, checked to lie in RAM/ROM declared earlier
 * @param path    the file, resolved against the working directory
 */
public record LoadSpec(Optional<BlobType> type, OptionalLong address, Path path, Origin origin) {
}
