using System.Text.Json;
using System.Text.Json.Serialization;

namespace SystemdMatrix.Model;

/// <summary>
/// Writes and reads every axis enum as <see cref="AxisNames"/> spells it, so a result says <c>ro</c> where the matrix
/// file says <c>ro</c> (a serializer's own enum naming would say <c>read-only-bind</c>). An unknown name is an error
/// that lists the known ones.
/// </summary>
public sealed class AxisJsonConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => AxisNames.IsAxis(typeToConvert);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Axis<>).MakeGenericType(typeToConvert))!;

    private sealed class Axis<T> : JsonConverter<T>
        where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var name = reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException($"a {typeof(T).Name} is a string, one of {string.Join("|", AxisNames.Names<T>())}");
            return AxisNames.TryParse<T>(name, out var value) ? value : throw new JsonException($"'{name}' is not a {typeof(T).Name}: one of {string.Join("|", AxisNames.Names<T>())}");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(AxisNames.Of(value));
    }
}

/// <summary>
/// A run profile as the matrix file spells a configuration: <c>cgroupns</c>, <c>mount</c>, <c>privilege</c>,
/// <c>tmpfs</c> (<c>on</c>|<c>off</c>) and <c>remedy</c>, each an <see cref="AxisNames"/> spelling.
/// </summary>
public sealed class RunProfileJsonConverter : JsonConverter<RunProfile>
{
    public static IReadOnlyList<string> Properties { get; } = ["cgroupns", "mount", "privilege", "tmpfs", "remedy"];

    public override RunProfile Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("a run profile is an object with " + string.Join(", ", Properties));
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            values[name] = reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException($"run profile {name}: a string");
        }

        T Axis<T>(string name)
            where T : struct, Enum =>
            values.TryGetValue(name, out var text) && AxisNames.TryParse<T>(text, out var value)
                ? value
                : throw new JsonException($"run profile {name}: '{text}' is not one of {string.Join("|", AxisNames.Names<T>())}");

        var tmpfs = values.GetValueOrDefault("tmpfs") switch
        {
            "on" => true,
            "off" => false,
            var other => throw new JsonException($"run profile tmpfs: '{other}' is not on|off"),
        };
        var unknown = values.Keys.Except(Properties).ToList();
        return unknown.Count > 0
            ? throw new JsonException($"run profile: unknown {string.Join(", ", unknown)}")
            : new RunProfile(Axis<CgroupnsMode>("cgroupns"), Axis<CgroupMount>("mount"), Axis<Privilege>("privilege"), tmpfs, Axis<Remedy>("remedy"));
    }

    public override void Write(Utf8JsonWriter writer, RunProfile value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("cgroupns", AxisNames.Of(value.Cgroupns));
        writer.WriteString("mount", AxisNames.Of(value.CgroupMount));
        writer.WriteString("privilege", AxisNames.Of(value.Privilege));
        writer.WriteString("tmpfs", value.Tmpfs ? "on" : "off");
        writer.WriteString("remedy", AxisNames.Of(value.Remedy));
        writer.WriteEndObject();
    }
}
