using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using SystemdMatrix.Model;

namespace SystemdMatrix.Results;

/// <summary>
/// How results are written and read, in result files and report files alike: camelCase names, axis values as the
/// matrix file spells them, other enums in kebab case, every part written (null included); reading insists on every constructor part
/// and on the nullability the record declares. <see cref="Schema"/> is the JSON Schema of <see cref="CellRecord"/>
/// that these options produce; the committed copy is checked against it by a test.
/// </summary>
public static class ResultJson
{
    /// <summary>Where the schema is committed, relative to the checkout.</summary>
    public const string SchemaPath = "docs/schema/cell-record.schema.json";

    public static JsonSerializerOptions Options { get; } = new()
    {
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new AxisJsonConverter(), new RunProfileJsonConverter(), new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        // Every part is written, null or not, so a reader (and the schema) can insist on each one.
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        NewLine = "\n",
    };

    /// <summary>The JSON Schema (draft 2020-12) of one <see cref="CellRecord"/>, as text ending in a newline.</summary>
    public static string Schema()
    {
        var exporter = new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true, TransformSchemaNode = Describe };
        var schema = (JsonObject)Options.GetJsonSchemaAsNode(typeof(CellRecord), exporter);
        var document = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "https://github.com/systemd-matrix/systemd-matrix/" + SchemaPath,
            ["title"] = $"SystemdMatrix cell result, schema version {CellRecord.CurrentSchemaVersion}",
            ["description"] = "One cell of a matrix as run (or not run) on one host: written to artifacts/results/ and, without its log, to the cells of artifacts/compatibility/MATRIX.json. Generated from the record by `dotnet cake --target=Generate`; do not edit.",
        };
        foreach (var (key, value) in schema.ToList())
        {
            schema.Remove(key);
            document[key] = value;
        }

        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, NewLine = "\n" }) + "\n";
    }

    /// <summary>What the exporter cannot see through the custom converters: the spellings of axis values and the run profile's shape.</summary>
    private static JsonNode Describe(JsonSchemaExporterContext context, JsonNode schema)
    {
        var type = context.TypeInfo.Type;
        var underlying = Nullable.GetUnderlyingType(type);
        if (AxisNames.IsAxis(underlying ?? type))
        {
            var names = new JsonArray([.. AxisNames.Names(underlying ?? type).Select(n => (JsonNode?)JsonValue.Create(n))]);
            if (underlying is not null)
            {
                names.Add(null);
            }

            return new JsonObject { ["type"] = underlying is null ? "string" : new JsonArray("string", "null"), ["enum"] = names };
        }

        if (type == typeof(CellRecord) && schema["properties"] is JsonObject properties && schema["required"] is JsonArray required)
        {
            // A reader of another version must not mistake this shape for its own.
            properties["schemaVersion"] = new JsonObject { ["const"] = CellRecord.CurrentSchemaVersion };
            required.Add("schemaVersion");
            return schema;
        }

        if (type == typeof(RunProfile))
        {
            static JsonObject Axis(Type axis) => new() { ["type"] = "string", ["enum"] = new JsonArray([.. AxisNames.Names(axis).Select(n => (JsonNode?)JsonValue.Create(n))]) };
            return new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["cgroupns"] = Axis(typeof(CgroupnsMode)),
                    ["mount"] = Axis(typeof(CgroupMount)),
                    ["privilege"] = Axis(typeof(Privilege)),
                    ["tmpfs"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("on", "off") },
                    ["remedy"] = Axis(typeof(Remedy)),
                },
                ["required"] = new JsonArray([.. RunProfileJsonConverter.Properties.Select(p => (JsonNode?)JsonValue.Create(p))]),
                ["additionalProperties"] = false,
            };
        }

        return schema;
    }
}
