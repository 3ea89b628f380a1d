// The type names of the backend's rows, set in one call per answer: what Private/Add-ContainerImageType.ps1
// and Add-EngineView (Private/Engines.ps1) do in PowerShell loops where this assembly does not load, at about
// a microsecond a row instead of ~15 (a listing of 201 images: ~3 ms of the pipeline thread per engine).
using System;
using System.Management.Automation;

namespace ContainerImage
{
    public static class Rows
    {
        // typeName first among each row's type names: the view and type data that apply to it.
        public static void InsertTypeName(object[] rows, string typeName)
        {
            foreach (object row in rows)
            {
                if (row != null) PSObject.AsPSObject(row).TypeNames.Insert(0, typeName);
            }
        }

        // ContainerImage.Image's two properties that are not text: Labels (JSON's object, kept so that
        // $image.Labels.'com.example.key' reads) marked ContainerImage.Map, and UsedBy a copy of its array
        // marked ContainerImage.NameList (a copy: a type name sticks to the array itself, and an empty one may
        // be shared), so that both read as text in Export-Csv (Private/Display.ps1).
        public static void MarkImageProperties(object[] rows)
        {
            foreach (object item in rows)
            {
                if (item == null) continue;
                PSObject row = PSObject.AsPSObject(item);
                PSPropertyInfo labels = row.Properties["Labels"];
                if (labels != null && labels.Value != null) PSObject.AsPSObject(labels.Value).TypeNames.Insert(0, "ContainerImage.Map");
                PSPropertyInfo usedBy = row.Properties["UsedBy"];
                if (usedBy == null) continue;
                object value = usedBy.Value is PSObject wrapped ? wrapped.BaseObject : usedBy.Value;
                object[] users = value is object[] array ? (object[])array.Clone()
                               : value != null ? new[] { value } : new object[0];
                var marked = new PSObject(users);
                marked.TypeNames.Insert(0, "ContainerImage.NameList");
                usedBy.Value = marked;
            }
        }
    }
}
