// The backend's messages (one line of JSON each) as PowerShell objects, as PowerShell's own ConvertFrom-Json
// makes them, two to three times faster: a listing of hundreds of images from each of several engines is
// mostly this conversion. And requests as JSON, as System.Text.Json writes the module's plain values (no
// reflection: the first request of a session does not wait for the serializer to warm up). Compiled at build into lib/ContainerImage.Messages.dll (tools/Build-Assembly.ps1);
// the module uses PowerShell's parser where the assembly is missing or cannot load (Windows PowerShell 5.1).
//
// The same objects as ConvertFrom-Json: a JSON object is a PSCustomObject with its properties in order (a
// name twice is an error), except one that a PSCustomObject cannot hold, whose names differ only in case or
// are names PowerShell reserves ({"Version":"1","version":"2"}, {"psobject":"x"}: docker labels are any text):
// that one is an ordered case-sensitive dictionary, as ConvertFrom-Json -AsHashtable makes it, where
// ConvertFrom-Json fails the whole message; an array an object[], an integer an Int64 (a BigInteger beyond it), a
// fraction a Double; a string in the form yyyy-MM-ddTHH:mm:ss[.fffffff][Z|+hh:mm] a DateTime (UTC for Z,
// local for an offset, unspecified for neither), as Newtonsoft.Json reads it for ConvertFrom-Json.
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Collections;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace ContainerImage
{
    public static class JsonMessage
    {
        // One message, or null with the reason in error: never an exception, which PowerShell would record in
        // $Error even where the caller catches it.
        public static object Parse(string line, out string error)
        {
            error = null;
            if (string.IsNullOrWhiteSpace(line)) { error = "The message is empty."; return null; }
            try
            {
                return Parse(line);
            }
            catch (Exception exception)   // JSON errors
            {
                error = exception.Message;
                return null;
            }
        }

        private static object Parse(string line)
        {
            // A pooled buffer: a listing's line is often larger than 85 KB, which would be a large-object-heap
            // allocation each time.
            byte[] buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(line.Length));
            try
            {
                int length = Encoding.UTF8.GetBytes(line, 0, line.Length, buffer, 0);
                var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(buffer, 0, length), new JsonReaderOptions { MaxDepth = 1024 });
                if (!reader.Read()) throw new JsonException("The message is empty.");
                object value = ReadValue(ref reader, new List<HashSet<string>>(), 0);
                if (reader.Read()) throw new JsonException("The message has more after its JSON value.");
                return value;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        // A request as one line of JSON: what System.Text.Json writes for the value ConvertTo-PlainValue
        // (Private/Backend.ps1) makes of it. Hashtables and dictionaries are objects (keys as strings), a
        // PSCustomObject its properties, lists arrays, a switch its bool; anything else as System.Text.Json
        // writes it.
        public static string Write(object value)
        {
            using (var stream = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(stream))
                {
                    WriteValue(writer, value, 0);
                }
                return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
            }
        }

        private static void WriteValue(Utf8JsonWriter writer, object value, int depth)
        {
            if (depth > 64) throw new JsonException("The request nests more than 64 levels deep.");
            if (value is PSObject wrapped)
            {
                if (wrapped.BaseObject is PSCustomObject)
                {
                    writer.WriteStartObject();
                    foreach (PSPropertyInfo property in wrapped.Properties)
                    {
                        writer.WritePropertyName(property.Name);
                        WriteValue(writer, property.Value, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                }
                value = wrapped.BaseObject;
            }
            switch (value)
            {
                case null: writer.WriteNullValue(); return;
                case string text: writer.WriteStringValue(text); return;
                case bool flag: writer.WriteBooleanValue(flag); return;
                case int number: writer.WriteNumberValue(number); return;
                case long number: writer.WriteNumberValue(number); return;
                case double number: writer.WriteNumberValue(number); return;
                case SwitchParameter flag: writer.WriteBooleanValue(flag.IsPresent); return;
                case IDictionary map:
                    writer.WriteStartObject();
                    foreach (DictionaryEntry entry in map)
                    {
                        writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture));
                        WriteValue(writer, entry.Value, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                case IList list:
                    writer.WriteStartArray();
                    foreach (object item in list) WriteValue(writer, item, depth + 1);
                    writer.WriteEndArray();
                    return;
                default:
                    JsonSerializer.Serialize(writer, value, value.GetType());
                    return;
            }
        }

        // names[depth]: the property names of the object being read at that depth (one set per depth, reused).
        private static object ReadValue(ref Utf8JsonReader reader, List<HashSet<string>> names, int depth)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    var item = new PSObject();
                    var properties = item.Properties;
                    OrderedDictionary map = null;   // the object, once a PSCustomObject cannot hold its names
                    while (names.Count <= depth) names.Add(new HashSet<string>(StringComparer.OrdinalIgnoreCase));
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        string name = reader.GetString();
                        reader.Read();
                        object value = ReadValue(ref reader, names, depth + 1);
                        if (map == null && names[depth].Add(name) && !IsReserved(name))
                        {
                            properties.Add(new PSNoteProperty(name, value));
                            continue;
                        }
                        if (map == null) map = ToMap(properties);
                        if (map.Contains(name)) throw new JsonException("The message names '" + name + "' twice in one object.");
                        map.Add(name, value);
                    }
                    names[depth].Clear();
                    return map ?? (object)item;
                case JsonTokenType.StartArray:
                    var list = new List<object>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) list.Add(ReadValue(ref reader, names, depth + 1));
                    return list.ToArray();
                case JsonTokenType.String:
                    string text = reader.GetString();
                    return TryDate(text, out DateTime date) ? (object)date : text;
                case JsonTokenType.Number:
                    if (reader.TryGetInt64(out long whole)) return whole;
                    string number = Encoding.UTF8.GetString(reader.ValueSpan.ToArray());   // one buffer: never a sequence
                    if (number.IndexOfAny(new[] { '.', 'e', 'E' }) < 0) return BigInteger.Parse(number, CultureInfo.InvariantCulture);
                    return reader.GetDouble();
                case JsonTokenType.True: return true;
                case JsonTokenType.False: return false;
                case JsonTokenType.Null: return null;
                default: throw new JsonException("Unexpected " + reader.TokenType + " in the message.");
            }
        }

        // The member names every PSObject has (PSMemberInfoCollection refuses them as property names).
        private static bool IsReserved(string name)
        {
            return name.Length >= 6 && name.Length <= 11 && name.StartsWith("ps", StringComparison.OrdinalIgnoreCase) &&
                (name.Equals("psobject", StringComparison.OrdinalIgnoreCase) || name.Equals("psbase", StringComparison.OrdinalIgnoreCase) ||
                 name.Equals("pstypenames", StringComparison.OrdinalIgnoreCase) || name.Equals("psadapted", StringComparison.OrdinalIgnoreCase) ||
                 name.Equals("psextended", StringComparison.OrdinalIgnoreCase));
        }

        // The properties read so far, in order, as a case-sensitive ordered dictionary.
        private static OrderedDictionary ToMap(PSMemberInfoCollection<PSPropertyInfo> properties)
        {
            var map = new OrderedDictionary(StringComparer.Ordinal);
            foreach (PSPropertyInfo property in properties) map.Add(property.Name, property.Value);
            return map;
        }

        // Newtonsoft.Json's ISO 8601 dates: yyyy-MM-ddTHH:mm:ss, up to 7 digits of fraction, then Z, an offset
        // (+hh, +hhmm or +hh:mm) or nothing. Anything else (a date alone, no seconds) stays a string.
        private static bool TryDate(string text, out DateTime date)
        {
            date = default;
            if (text.Length < 19 || text.Length > 33 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') return false;
            if (!Digits(text, 0, 4, out int year) || !Digits(text, 5, 2, out int month) || !Digits(text, 8, 2, out int day) ||
                !Digits(text, 11, 2, out int hour) || !Digits(text, 14, 2, out int minute) || !Digits(text, 17, 2, out int second)) return false;
            int at = 19;
            long ticks = 0;
            if (at < text.Length && text[at] == '.')
            {
                int start = ++at;
                while (at < text.Length && text[at] >= '0' && text[at] <= '9') at++;
                int count = at - start;
                if (count < 1 || count > 7) return false;
                Digits(text, start, count, out int fraction);
                ticks = fraction;
                for (int i = count; i < 7; i++) ticks *= 10;
            }
            DateTime local;
            try { local = new DateTime(year, month, day, hour, minute, second).AddTicks(ticks); }
            catch (ArgumentOutOfRangeException) { return false; }
            if (at == text.Length) { date = local; return true; }
            if (text[at] == 'Z' && at + 1 == text.Length) { date = DateTime.SpecifyKind(local, DateTimeKind.Utc); return true; }
            if (text[at] != '+' && text[at] != '-') return false;
            int sign = text[at] == '-' ? -1 : 1;
            string zone = text.Substring(at + 1);
            int zoneHours, zoneMinutes = 0;
            if (zone.Length == 2) { if (!Digits(zone, 0, 2, out zoneHours)) return false; }
            else if (zone.Length == 4) { if (!Digits(zone, 0, 2, out zoneHours) || !Digits(zone, 2, 2, out zoneMinutes)) return false; }
            else if (zone.Length == 5 && zone[2] == ':') { if (!Digits(zone, 0, 2, out zoneHours) || !Digits(zone, 3, 2, out zoneMinutes)) return false; }
            else return false;
            try { date = new DateTimeOffset(local, new TimeSpan(sign * zoneHours, sign * zoneMinutes, 0)).LocalDateTime; }
            catch (ArgumentException) { return false; }
            return true;
        }

        private static bool Digits(string text, int start, int count, out int value)
        {
            value = 0;
            for (int i = start; i < start + count; i++)
            {
                char c = text[i];
                if (c < '0' || c > '9') return false;
                value = value * 10 + (c - '0');
            }
            return true;
        }
    }
}
