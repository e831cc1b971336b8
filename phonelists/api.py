"""REST API of phone lists and the do-not-call list."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dialer_site.parsers import DepthLimitedJSONParser

from . import services, tasks
from .models import Contact, DoNotCall, PhoneList
from .reading import FileRefused
from .serializers import (
    DoNotCallAddSerializer,
    DoNotCallSerializer,
    DoNotCallUploadSerializer,
    MappingSerializer,
    PhoneListContactSerializer,
    PhoneListSerializer,
    PhoneListUploadSerializer,
)
from .views import rejected_response


class PhoneListCollection(generics.ListCreateAPIView):
    """GET: the phone lists. POST (multipart): upload a list; 202 with the list and
    its status URL, the import runs in the background."""

    queryset = PhoneList.objects.select_related("created_by")
    serializer_class = PhoneListSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=PhoneListUploadSerializer, responses={202: PhoneListSerializer})
    def post(self, request, *args, **kwargs):
        upload = PhoneListUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            phone_list = services.upload_phone_list(
                name=data["name"],
                upload=data["file"],
                default_country=data["default_country"],
                number_policy=data["number_policy"],
                created_by=request.user,
                mapping=data.get("mapping"),
                enqueue=tasks.import_phone_list.enqueue,
            )
        except services.NameTaken as taken:
            return Response({"name": [str(taken)]}, status=status.HTTP_400_BAD_REQUEST)
        except FileRefused as refusal:
            return Response({"file": [str(refusal)]}, status=status.HTTP_400_BAD_REQUEST)
        except services.MappingInvalid as invalid:
            return Response({"mapping": invalid.errors}, status=status.HTTP_400_BAD_REQUEST)
        body = PhoneListSerializer(phone_list, context={"request": request}).data
        return Response(
            body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]}
        )


class PhoneListItem(generics.RetrieveDestroyAPIView):
    """The list's status and import report; DELETE removes it with its contacts."""

    queryset = PhoneList.objects.select_related("created_by")
    serializer_class = PhoneListSerializer

    def destroy(self, request, *args, **kwargs):
        try:
            services.delete_phone_list(phone_list=self.get_object())
        except services.ListBusy as busy:
            return Response({"detail": str(busy)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhoneListContacts(generics.ListAPIView):
    """The imported contacts, in file order, paginated (limit/offset)."""

    serializer_class = PhoneListContactSerializer
    queryset = Contact.objects.all()

    def get_queryset(self):
        phone_list = get_object_or_404(PhoneList, pk=self.kwargs["pk"])
        return Contact.objects.filter(phone_list=phone_list).order_by("line_number")


class PhoneListRejected(APIView):
    """The rejected lines as CSV: line, reason, content."""

    read_permission_required = "phonelists.view_phonelist"

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, pk: int):
        return rejected_response(get_object_or_404(PhoneList, pk=pk))


class PhoneListCancel(APIView):
    permission_required = "phonelists.change_phonelist"
    read_permission_required = "phonelists.view_phonelist"

    @extend_schema(request=None, responses={200: PhoneListSerializer})
    def post(self, request, pk: int):
        phone_list = services.cancel_import(phone_list=get_object_or_404(PhoneList, pk=pk))
        return Response(PhoneListSerializer(phone_list, context={"request": request}).data)


class PhoneListMapping(APIView):
    """Map the columns of a list waiting in status needs_mapping; starts the import."""

    permission_required = "phonelists.change_phonelist"
    read_permission_required = "phonelists.view_phonelist"
    parser_classes = [DepthLimitedJSONParser]

    @extend_schema(request=MappingSerializer, responses={202: PhoneListSerializer})
    def post(self, request, pk: int):
        phone_list = get_object_or_404(PhoneList, pk=pk)
        body = MappingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        mapping = [dict(entry) for entry in body.validated_data["mapping"]]
        try:
            services.set_mapping(
                phone_list=phone_list, mapping=mapping, enqueue=tasks.import_phone_list.enqueue
            )
        except services.MappingInvalid as invalid:
            return Response({"mapping": invalid.errors}, status=status.HTTP_400_BAD_REQUEST)
        data = PhoneListSerializer(phone_list, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class DoNotCallCollection(generics.ListCreateAPIView):
    """GET: the do-not-call numbers (`?q=` filters). POST: add numbers; all must be
    valid, or nothing is added and the body says which are not."""

    queryset = DoNotCall.objects.all()
    serializer_class = DoNotCallSerializer
    parser_classes = [DepthLimitedJSONParser]

    def get_queryset(self):
        query = self.request.query_params.get("q", "").strip().lstrip("+")
        entries = DoNotCall.objects.all()
        return entries.filter(number__contains=query) if query else entries

    @extend_schema(request=DoNotCallAddSerializer, responses={201: DoNotCallSerializer(many=True)})
    def post(self, request, *args, **kwargs):
        body = DoNotCallAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with transaction.atomic():
            added, invalid = services.add_do_not_call(
                data["numbers"],
                source=DoNotCall.Source.API,
                reason=data["reason"],
                created_by=request.user,
                default_country=data["default_country"].upper() or None,
            )
            if invalid:
                transaction.set_rollback(True)
                errors = [f"{raw}: {reason}" for raw, reason in invalid.items()]
                return Response({"numbers": errors}, status=status.HTTP_400_BAD_REQUEST)
        entries = DoNotCall.objects.filter(number__in=added)
        return Response(
            DoNotCallSerializer(entries, many=True).data, status=status.HTTP_201_CREATED
        )


class DoNotCallItem(generics.RetrieveDestroyAPIView):
    queryset = DoNotCall.objects.all()
    serializer_class = DoNotCallSerializer


class DoNotCallUpload(APIView):
    """Add the numbers in the first column of a list file."""

    permission_required = "phonelists.add_donotcall"
    read_permission_required = "phonelists.view_donotcall"
    parser_classes = [MultiPartParser]

    @extend_schema(request=DoNotCallUploadSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        body = DoNotCallUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            outcome = services.upload_do_not_call(
                upload=body.validated_data["file"],
                default_country=body.validated_data["default_country"].upper(),
                created_by=request.user,
            )
        except FileRefused as refusal:
            return Response({"file": [str(refusal)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(outcome, status=status.HTTP_201_CREATED)
