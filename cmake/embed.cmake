# embed.cmake: turn a text file into a C source defining a NUL-terminated char array.
# Usage: cmake -DINPUT=schema.sql -DOUTPUT=schema_sql.c -DNAME=schema_sql -P embed.cmake
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}" "/* Generated from ${INPUT} by cmake/embed.cmake; do not edit. */\n"
    "const char ${NAME}[] = {\n${bytes}0x00\n};\n")
