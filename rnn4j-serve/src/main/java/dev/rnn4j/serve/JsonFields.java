package dev.rnn4j.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Strict reading of a JSON request body: the body must be one object, every field must be known and have the right
 * JSON type (a number where a number is expected, an integer where an integer is). Anything else is a 400 naming the
 * field, the type expected and the type given.
 */
final class JsonFields {
  private final JsonObject o;

  private JsonFields(JsonObject o) {
    this.o = o;
  }

  /** Parses {@code body} as one JSON object whose fields are all in {@code known}. */
  static JsonFields parse(String body, Set<String> known) {
    JsonElement e;
    try {
      JsonReader r = new JsonReader(new StringReader(body));
      r.setStrictness(com.google.gson.Strictness.STRICT);
      e = JsonParser.parseReader(r);
      if (r.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
        throw new JsonParseException("trailing data after the JSON value");
      }
    } catch (JsonParseException | java.io.IOException | IllegalStateException ex) {
      throw ApiError.badRequest("invalid_json", "the body is not valid JSON: " + message(ex));
    }
    if (!e.isJsonObject()) {
      throw ApiError.badRequest("invalid_json", "the body must be a JSON object, got " + kind(e));
    }
    JsonObject o = e.getAsJsonObject();
    Set<String> unknown = new TreeSet<>(o.keySet());
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw ApiError.badRequest("unknown_field", "unknown field" + (unknown.size() > 1 ? "s " : " ")
          + String.join(", ", unknown.stream().map(s -> "'" + s + "'").toList()) + "; known fields: "
          + String.join(", ", new TreeSet<>(known)));
    }
    return new JsonFields(o);
  }

  private static String message(Exception ex) {
    String m = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
    int see = m.indexOf("\nSee ");
    return see >= 0 ? m.substring(0, see) : m;
  }

  static String kind(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return "null";
    }
    if (e.isJsonObject()) {
      return "an object";
    }
    if (e.isJsonArray()) {
      return "an array";
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    return p.isBoolean() ? "a boolean" : p.isNumber() ? "a number (" + p.getAsString() + ")" : "a string";
  }

  private static ApiError wrongType(String name, String expected, JsonElement got) {
    return ApiError.badRequest("invalid_type", "field '" + name + "' must be " + expected + ", got " + kind(got));
  }

  boolean has(String name) {
    return o.has(name) && !o.get(name).isJsonNull();
  }

  String string(String name, String dflt) {
    if (!has(name)) {
      return dflt;
    }
    JsonElement e = o.get(name);
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw wrongType(name, "a string", e);
    }
    return e.getAsString();
  }

  boolean bool(String name, boolean dflt) {
    if (!has(name)) {
      return dflt;
    }
    JsonElement e = o.get(name);
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
      throw wrongType(name, "true or false", e);
    }
    return e.getAsBoolean();
  }

  double number(String name, double dflt) {
    if (!has(name)) {
      return dflt;
    }
    JsonElement e = o.get(name);
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw wrongType(name, "a number", e);
    }
    return e.getAsDouble();
  }

  long integer(String name, long dflt, long min, long max) {
    if (!has(name)) {
      return dflt;
    }
    JsonElement e = o.get(name);
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw wrongType(name, "an integer", e);
    }
    BigDecimal d = e.getAsBigDecimal();
    try {
      d = new BigDecimal(d.toBigIntegerExact());
    } catch (ArithmeticException ex) {
      throw wrongType(name, "an integer", e);
    }
    if (d.compareTo(BigDecimal.valueOf(min)) < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0) {
      throw ApiError.unprocessable("invalid_value", "field '" + name + "' must be in [" + min + ", " + max + "], got "
          + d.toPlainString());
    }
    return d.longValueExact();
  }

  /** A string or an array of strings. */
  List<String> strings(String name) {
    List<String> out = new ArrayList<>();
    if (!has(name)) {
      return out;
    }
    JsonElement e = o.get(name);
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
      out.add(e.getAsString());
      return out;
    }
    if (!e.isJsonArray()) {
      throw wrongType(name, "a string or an array of strings", e);
    }
    JsonArray a = e.getAsJsonArray();
    for (int i = 0; i < a.size(); i++) {
      JsonElement x = a.get(i);
      if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) {
        throw wrongType(name + "[" + i + "]", "a string", x);
      }
      out.add(x.getAsString());
    }
    return out;
  }
}
